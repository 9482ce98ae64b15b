// Shared by the pages. The Go side wraps this file and the page's own
// script in one function, so nothing leaks into the global scope, and hashes
// the result for the Content-Security-Policy.

const STRINGS = {
  en: {
    "accept.title": "Accept your invitation",
    "accept.loading": "Checking your invitation…",
    "accept.welcome": "Welcome, {name}!",
    "accept.welcomeNoName": "Welcome!",
    "accept.invitedAs": "You were invited as {email}.",
    "accept.expires": "This invitation is valid until {date}.",
    "accept.intro": "Check your name and choose a password to create your account.",
    "accept.submit": "Create my account",
    "accept.done": "Your account is ready. You can now sign in.",
    "accept.invalid": "This link is no longer valid: it was used already, it expired, or a newer invitation replaced it. Ask for a new invitation.",
    "reset.title": "Choose a new password",
    "reset.intro": "Choose a new password for your account.",
    "reset.submit": "Save new password",
    "reset.done": "Your password has been changed. You can now sign in with your new password.",
    "reset.invalid": "This link is no longer valid: it was used already, it expired, or a newer link replaced it. Request a new password reset.",
    "confirmEmail.title": "Confirm your new sign-in address",
    "confirmEmail.intro": "Confirm that the address this link was sent to is to become the sign-in address of your account. Until you do, you keep signing in with your current address.",
    "confirmEmail.submit": "Confirm my new address",
    "confirmEmail.done": "Done: you now sign in with {email}. You were signed out everywhere; sign in again with your new address.",
    "confirmEmail.invalid": "This link is no longer valid: it was used already, it expired, a newer link replaced it, or the change was cancelled. Ask for a new link.",
    "confirmEmail.taken": "This address now belongs to another account, so it can not become yours. Ask for the change to be made with another address.",
    email: "Email address",
    firstName: "First name",
    lastName: "Last name",
    password: "New password",
    confirm: "Repeat password",
    passwordHint: "At least 12 characters.",
    show: "Show passwords",
    hide: "Hide passwords",
    retry: "Try again",
    busy: "One moment…",
    required: "Fill in this field.",
    tooShort: "Use at least 12 characters.",
    mismatch: "The passwords do not match.",
    "field.tooShort": "Use at least {min} characters.",
    "field.tooLong": "Use at most {max} characters.",
    "field.control": "Remove the line breaks and other control characters.",
    "field.weak": "This password does not meet the password rules. Choose a longer, less obvious one.",
    "field.trimmed": "Do not start or end with a space.",
    "field.utf8": "This text holds characters that are not valid.",
    fix: "Please correct the fields marked below.",
    generic: "Something went wrong. Please try again later.",
    reference: "If it keeps happening, mention reference {id}.",
    network: "The server could not be reached. Check your connection and try again.",
    rateLimited: "Too many attempts. Wait a moment and try again."
  },
  nl: {
    "accept.title": "Uitnodiging accepteren",
    "accept.loading": "Je uitnodiging wordt gecontroleerd…",
    "accept.welcome": "Welkom, {name}!",
    "accept.welcomeNoName": "Welkom!",
    "accept.invitedAs": "Je bent uitgenodigd als {email}.",
    "accept.expires": "Deze uitnodiging is geldig tot {date}.",
    "accept.intro": "Controleer je naam en kies een wachtwoord om je account aan te maken.",
    "accept.submit": "Account aanmaken",
    "accept.done": "Je account is klaar. Je kunt nu inloggen.",
    "accept.invalid": "Deze link is niet meer geldig: hij is al gebruikt, is verlopen of is vervangen door een nieuwere uitnodiging. Vraag om een nieuwe uitnodiging.",
    "reset.title": "Kies een nieuw wachtwoord",
    "reset.intro": "Kies een nieuw wachtwoord voor je account.",
    "reset.submit": "Wachtwoord opslaan",
    "reset.done": "Je wachtwoord is gewijzigd. Je kunt nu inloggen met je nieuwe wachtwoord.",
    "reset.invalid": "Deze link is niet meer geldig: hij is al gebruikt, is verlopen of is vervangen door een nieuwere link. Vraag opnieuw een nieuw wachtwoord aan.",
    "confirmEmail.title": "Bevestig je nieuwe inlogadres",
    "confirmEmail.intro": "Bevestig dat het adres waar deze link naartoe is gestuurd het inlogadres van je account wordt. Tot je dat doet, log je in met je huidige adres.",
    "confirmEmail.submit": "Nieuw adres bevestigen",
    "confirmEmail.done": "Klaar: je logt nu in met {email}. Je bent overal uitgelogd; log opnieuw in met je nieuwe adres.",
    "confirmEmail.invalid": "Deze link is niet meer geldig: hij is al gebruikt, is verlopen, is vervangen door een nieuwere link of de wijziging is geannuleerd. Vraag om een nieuwe link.",
    "confirmEmail.taken": "Dit adres hoort inmiddels bij een ander account en kan dus niet het jouwe worden. Vraag om de wijziging met een ander adres.",
    email: "E-mailadres",
    firstName: "Voornaam",
    lastName: "Achternaam",
    password: "Nieuw wachtwoord",
    confirm: "Herhaal wachtwoord",
    passwordHint: "Minimaal 12 tekens.",
    show: "Wachtwoorden tonen",
    hide: "Wachtwoorden verbergen",
    retry: "Opnieuw proberen",
    busy: "Even geduld…",
    required: "Vul dit veld in.",
    tooShort: "Gebruik minimaal 12 tekens.",
    mismatch: "De wachtwoorden zijn niet gelijk.",
    "field.tooShort": "Gebruik minimaal {min} tekens.",
    "field.tooLong": "Gebruik maximaal {max} tekens.",
    "field.control": "Verwijder de regeleinden en andere stuurtekens.",
    "field.weak": "Dit wachtwoord voldoet niet aan de wachtwoordregels. Kies een langer, minder voor de hand liggend wachtwoord.",
    "field.trimmed": "Begin of eindig niet met een spatie.",
    "field.utf8": "Deze tekst bevat ongeldige tekens.",
    fix: "Verbeter de gemarkeerde velden hieronder.",
    generic: "Er ging iets mis. Probeer het later opnieuw.",
    reference: "Blijft het misgaan? Noem dan referentie {id}.",
    network: "De server is niet bereikbaar. Controleer je verbinding en probeer het opnieuw.",
    rateLimited: "Te veel pogingen. Wacht even en probeer het dan opnieuw."
  },
  de: {
    "accept.title": "Einladung annehmen",
    "accept.loading": "Deine Einladung wird geprüft…",
    "accept.welcome": "Willkommen, {name}!",
    "accept.welcomeNoName": "Willkommen!",
    "accept.invitedAs": "Du wurdest als {email} eingeladen.",
    "accept.expires": "Diese Einladung ist gültig bis {date}.",
    "accept.intro": "Prüfe deinen Namen und wähle ein Passwort, um dein Konto anzulegen.",
    "accept.submit": "Konto anlegen",
    "accept.done": "Dein Konto ist bereit. Du kannst dich jetzt anmelden.",
    "accept.invalid": "Dieser Link ist nicht mehr gültig: Er wurde bereits verwendet, ist abgelaufen oder wurde durch eine neuere Einladung ersetzt. Bitte um eine neue Einladung.",
    "reset.title": "Neues Passwort festlegen",
    "reset.intro": "Lege ein neues Passwort für dein Konto fest.",
    "reset.submit": "Passwort speichern",
    "reset.done": "Dein Passwort wurde geändert. Du kannst dich jetzt mit deinem neuen Passwort anmelden.",
    "reset.invalid": "Dieser Link ist nicht mehr gültig: Er wurde bereits verwendet, ist abgelaufen oder wurde durch einen neueren Link ersetzt. Fordere das Zurücksetzen deines Passworts erneut an.",
    "confirmEmail.title": "Neue Anmeldeadresse bestätigen",
    "confirmEmail.intro": "Bestätige, dass die Adresse, an die dieser Link geschickt wurde, die Anmeldeadresse deines Kontos wird. Bis dahin meldest du dich weiter mit deiner bisherigen Adresse an.",
    "confirmEmail.submit": "Neue Adresse bestätigen",
    "confirmEmail.done": "Fertig: Du meldest dich jetzt mit {email} an. Du wurdest überall abgemeldet; melde dich mit deiner neuen Adresse wieder an.",
    "confirmEmail.invalid": "Dieser Link ist nicht mehr gültig: Er wurde bereits verwendet, ist abgelaufen, wurde durch einen neueren Link ersetzt oder die Änderung wurde abgebrochen. Bitte um einen neuen Link.",
    "confirmEmail.taken": "Diese Adresse gehört inzwischen zu einem anderen Konto und kann daher nicht deine werden. Bitte darum, die Änderung mit einer anderen Adresse vorzunehmen.",
    email: "E-Mail-Adresse",
    firstName: "Vorname",
    lastName: "Nachname",
    password: "Neues Passwort",
    confirm: "Passwort wiederholen",
    passwordHint: "Mindestens 12 Zeichen.",
    show: "Passwörter anzeigen",
    hide: "Passwörter verbergen",
    retry: "Erneut versuchen",
    busy: "Einen Moment…",
    required: "Bitte fülle dieses Feld aus.",
    tooShort: "Verwende mindestens 12 Zeichen.",
    mismatch: "Die Passwörter stimmen nicht überein.",
    "field.tooShort": "Verwende mindestens {min} Zeichen.",
    "field.tooLong": "Verwende höchstens {max} Zeichen.",
    "field.control": "Entferne Zeilenumbrüche und andere Steuerzeichen.",
    "field.weak": "Dieses Passwort erfüllt die Passwortregeln nicht. Wähle ein längeres, weniger naheliegendes.",
    "field.trimmed": "Beginne oder ende nicht mit einem Leerzeichen.",
    "field.utf8": "Dieser Text enthält ungültige Zeichen.",
    fix: "Bitte korrigiere die markierten Felder.",
    generic: "Etwas ist schiefgelaufen. Bitte versuche es später noch einmal.",
    reference: "Falls es wieder passiert, nenne die Referenz {id}.",
    network: "Der Server ist nicht erreichbar. Prüfe deine Verbindung und versuche es noch einmal.",
    rateLimited: "Zu viele Versuche. Warte kurz und versuche es dann noch einmal."
  }
};

const MIN_PASSWORD = 12;

const lang = (() => {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  for (const l of wanted) {
    const short = String(l).toLowerCase().split("-")[0];
    if (STRINGS[short]) return short;
  }
  return "en";
})();

function t(key, vars) {
  const text = STRINGS[lang][key] || STRINGS.en[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? String(vars[name]) : ""));
}

const $ = (id) => document.getElementById(id);

function translate(page) {
  document.documentElement.lang = lang;
  document.title = t(page + ".title");
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
}

// The token travels in the fragment, which browsers never send to a server.
// Take it and wipe it from the address bar at once, so it is not kept in
// history, bookmarks or screenshots of the URL.
function takeToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  if (location.hash) {
    history.replaceState(null, "", location.pathname + location.search);
  }
  return token.trim();
}

// The API lives on this page's origin, under the same stage prefix the page
// was served from (e.g. /prod/accept-invitation -> /prod). Customers' links
// carry ?for=customer and use the customer pool's routes.
function apiBase(pagePath) {
  const path = location.pathname.replace(/\/+$/, "");
  const prefix = path.endsWith(pagePath) ? path.slice(0, path.length - pagePath.length) : "";
  const realm = new URLSearchParams(location.search).get("for") === "customer" ? "/customer-auth" : "/auth";
  return location.origin + prefix + realm;
}

// post sends body as JSON and never throws: status 0 means no answer.
async function post(url, body) {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer"
    });
    let data = null;
    if ((res.headers.get("Content-Type") || "").includes("json")) {
      data = await res.json().catch(() => null);
    }
    return { status: res.status, data: data || {}, requestId: res.headers.get("X-Request-Id") || "" };
  } catch (e) {
    return { status: 0, data: {}, requestId: "" };
  }
}

function isInvalidToken(res) {
  return res.status === 400 && res.data.code === "invalid_token";
}

function showStatus(text) {
  const el = $("status");
  el.textContent = text;
  el.focus();
}

// showAlert announces an error and moves focus to it, so keyboard and
// screen reader users land on what needs their attention.
function showAlert(text, items) {
  const el = $("alert");
  el.textContent = text;
  if (items && items.length) {
    const list = document.createElement("ul");
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = item;
      list.appendChild(li);
    }
    el.appendChild(list);
  }
  el.focus();
}

function clearAlert() {
  $("alert").textContent = "";
}

function failureText(res) {
  if (res.status === 0) return t("network");
  if (res.status === 429) return t("rateLimited");
  return t("generic") + (res.requestId ? " " + t("reference", { id: res.requestId }) : "");
}

function setFieldError(name, text) {
  const input = $(name);
  const error = $(name + "-error");
  if (!input || !error) return false;
  error.textContent = text;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("input")) {
    setFieldError(input.id, "");
  }
}

// checkPasswords mirrors the API's minimum so most mistakes are caught
// before a round trip; the API still decides (422 with its policy).
function checkPasswords() {
  const pw = $("password").value;
  const confirm = $("confirm").value;
  let pwError = "";
  let confirmError = "";
  if (!pw) pwError = t("required");
  else if ([...pw].length < MIN_PASSWORD) pwError = t("tooShort");
  if (!confirm) confirmError = t("required");
  else if (confirm !== pw) confirmError = t("mismatch");
  setFieldError("password", pwError);
  setFieldError("confirm", confirmError);
  return !pwError && !confirmError;
}

// filledIn returns a text field's trimmed value, marking it when empty.
function filledIn(id) {
  const value = $(id).value.trim();
  setFieldError(id, value ? "" : t("required"));
  return value;
}

// FIELD_TEXTS names the sentence for each field error code (and format of
// invalid_format) these pages' fields can meet: a name or a password.
const FIELD_TEXTS = {
  required: "required",
  too_short: "field.tooShort",
  too_long: "field.tooLong",
  control_characters: "field.control",
  weak_password: "field.weak",
  "invalid_format/trimmed": "field.trimmed",
  "invalid_format/utf8": "field.utf8"
};

// fieldText is one field error in the page's language, by its code; the
// API's English message only for a code the pages do not expect.
function fieldText(e) {
  const key = FIELD_TEXTS[e.code === "invalid_format" ? e.code + "/" + e.format : e.code];
  return key ? t(key, { min: e.min, max: e.max }) : e.message;
}

// showProblemFields puts the API's per-field errors (problem+json
// "errors") next to their inputs; fields the form does not show are listed
// in the alert instead.
function showProblemFields(res, rename) {
  const unplaced = [];
  for (const e of res.data.errors || []) {
    const field = (rename && rename[e.field]) || e.field;
    const text = fieldText(e);
    if (!setFieldError(field, text)) unplaced.push(text);
  }
  showAlert(t("fix"), unplaced);
  focusFirstInvalid();
}

function focusFirstInvalid() {
  const first = document.querySelector('input[aria-invalid="true"]');
  if (first) first.focus();
}

function setupToggle() {
  const toggle = $("toggle");
  toggle.addEventListener("click", () => {
    const show = toggle.getAttribute("aria-pressed") !== "true";
    for (const id of ["password", "confirm"]) $(id).type = show ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(show));
    toggle.textContent = t(show ? "hide" : "show");
  });
}

function setBusy(form, busy, label) {
  const submit = $("submit");
  submit.disabled = busy;
  submit.textContent = busy ? t("busy") : t(label);
  form.setAttribute("aria-busy", String(busy));
}

// done replaces the form by the success message. The password fields (on
// the pages that have them) are emptied first so the values do not linger
// in the page.
function done(form, text) {
  for (const id of ["password", "confirm"]) if ($(id)) $(id).value = "";
  form.hidden = true;
  clearAlert();
  showStatus(text);
}

function invalidLink(form, text) {
  form.hidden = true;
  showAlert(text);
}
