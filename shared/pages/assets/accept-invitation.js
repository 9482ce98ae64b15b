// Accept an invitation: show who was invited (inspect reads, it does not
// use up the link), then create the account on an explicit submit only, so
// mail scanners that open the link change nothing.

const form = $("form");
const token = takeToken();
const base = apiBase("/accept-invitation");
translate("accept");
setupToggle();

async function inspect() {
  $("retry-box").hidden = true;
  $("loading").hidden = false;
  clearAlert();
  const res = await post(base + "/invitations/inspect", { token });
  $("loading").hidden = true;
  if (res.status === 200) {
    showInvitation(res.data);
  } else if (isInvalidToken(res)) {
    invalidLink(form, t("accept.invalid"));
  } else {
    showAlert(failureText(res));
    $("retry-box").hidden = false;
  }
}

function showInvitation(inv) {
  $("welcome").textContent = inv.firstName ? t("accept.welcome", { name: inv.firstName }) : t("accept.welcomeNoName");
  $("email").value = inv.email || "";
  $("firstName").value = inv.firstName || "";
  $("lastName").value = inv.lastName || "";
  const expires = new Date(inv.expiresAt);
  const lines = [t("accept.invitedAs", { email: inv.email || "" })];
  if (!isNaN(expires)) {
    const when = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }).format(expires);
    lines.push(t("accept.expires", { date: when }));
  }
  $("expiry").textContent = lines.join(" ");
  form.hidden = false;
  $("heading").focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearAlert();
  clearFieldErrors(form);
  const firstName = filledIn("firstName");
  const lastName = filledIn("lastName");
  const passwordsOK = checkPasswords();
  if (!firstName || !lastName || !passwordsOK) {
    focusFirstInvalid();
    return;
  }

  setBusy(form, true, "accept.submit");
  const res = await post(base + "/invitations/accept", {
    token, password: $("password").value, firstName, lastName
  });
  setBusy(form, false, "accept.submit");
  if (res.status === 204) {
    done(form, t("accept.done"));
  } else if (res.status === 422) {
    showProblemFields(res);
  } else if (isInvalidToken(res)) {
    invalidLink(form, t("accept.invalid"));
  } else {
    showAlert(failureText(res));
  }
});

$("retry").addEventListener("click", inspect);

if (token) {
  inspect();
} else {
  $("loading").hidden = true;
  invalidLink(form, t("accept.invalid"));
}
