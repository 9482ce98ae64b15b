// Confirm a new sign-in address. Nothing is asked of the API before the
// submit: opening the page (a mail scanner may) changes nothing, and the
// page shows nobody's details before the link has done its work.

const form = $("form");
const token = takeToken();
const base = apiBase("/confirm-email");
translate("confirmEmail");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearAlert();
  setBusy(form, true, "confirmEmail.submit");
  const res = await post(base + "/email-change/confirm", { token });
  setBusy(form, false, "confirmEmail.submit");
  if (res.status === 200) {
    done(form, t("confirmEmail.done", { email: res.data.email || "" }));
  } else if (isInvalidToken(res)) {
    invalidLink(form, t("confirmEmail.invalid"));
  } else if (res.status === 409 && res.data.code === "email_taken") {
    invalidLink(form, t("confirmEmail.taken"));
  } else {
    showAlert(failureText(res));
  }
});

if (token) {
  form.hidden = false;
} else {
  invalidLink(form, t("confirmEmail.invalid"));
}
