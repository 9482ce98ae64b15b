// Reset a password. Nothing is asked of the API before the submit: the page
// shows nobody's details, and opening it (a mail scanner may) uses nothing up.

const form = $("form");
const token = takeToken();
const base = apiBase("/reset-password");
translate("reset");
setupToggle();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearAlert();
  clearFieldErrors(form);
  if (!checkPasswords()) {
    focusFirstInvalid();
    return;
  }

  setBusy(form, true, "reset.submit");
  const res = await post(base + "/password/reset", { token, newPassword: $("password").value });
  setBusy(form, false, "reset.submit");
  if (res.status === 204) {
    done(form, t("reset.done"));
  } else if (res.status === 422) {
    showProblemFields(res, { newPassword: "password" });
  } else if (isInvalidToken(res)) {
    invalidLink(form, t("reset.invalid"));
  } else {
    showAlert(failureText(res));
  }
});

if (token) {
  form.hidden = false;
} else {
  invalidLink(form, t("reset.invalid"));
}
