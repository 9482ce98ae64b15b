// Users → Customer accounts: the shared people list (ui.js peopleList) with
// a company column and five sorts; adding a customer with the data the shop
// needs (company, phone, VAT number, address, notes; invitation now or
// later) and the detail panel that edits all of it.
import * as api from "./api.js";
import { t, addStrings, LANGUAGES } from "./i18n.js";
import { h, field, textarea, checkbox, showAlert, saveFailed, failure, toast, openDialog, dialogShell, setBusy, clearFieldErrors, setFieldError, peopleList, statusBadge, displayName, facts, personFacts, pendingEmail, panelRefresh } from "./ui.js";
import { CUSTOMER_LIST } from "./state.js";

addStrings({
  en: {
    "customers.title": "Customer accounts",
    "customers.add": "Add customer",
    "customers.searchHint": "Name, email address or company, from the start",
    "customers.empty": "No customer matches.",
    "customers.deactivateText": "{name} can no longer sign in to the shop; their sessions end at once. You can activate the account again later.",
    "customers.activateText": "{name} can sign in to the shop again.",
    "customers.deleteText": "The account of {name} is removed for good. This can not be undone; the email address can be used for a new account afterwards.",
    "customers.addTitle": "Add a customer account",
    "customers.addIntro": "Fields marked * are needed. With the invitation, the customer gets a mail with a link to set a password.",
    "customers.sendInvitation": "Send the invitation mail now",
    "customers.sendInvitationHint": "Without it the account waits as invited: send the invitation later from the row's options.",
    "customers.submit": "Add customer",
    "customers.added": "{email} has been added; the invitation mail is on its way.",
    "customers.addedQuiet": "{email} has been added without an invitation.",
    "customers.company": "Company",
    "customers.phone": "Phone",
    "customers.vatNumber": "VAT number",
    "customers.vatHint": "Country code and number, e.g. NL123456789B01",
    "customers.address": "Address",
    "customers.addressHint": "All four, or none.",
    "customers.street": "Street and number",
    "customers.postalCode": "Postal code",
    "customers.city": "City",
    "customers.country": "Country",
    "customers.countryHint": "Two letters, e.g. NL, BE or DE",
    "customers.notes": "Notes",
    "customers.notesHint": "For the shop only: the customer never sees them.",
    "customers.invalidPhone": "Use at least 3 digits, with spaces and + ( ) . / - only.",
    "customers.invalidVat": "Enter a VAT number: a country code and 2 to 13 letters or digits.",
    "customers.invalidCountry": "Enter a two-letter country code such as NL or DE.",
    "customers.addressIncomplete": "Fill in street, postal code, city and country, or leave the whole address empty."
  },
  nl: {
    "customers.title": "Klantaccounts",
    "customers.add": "Klant toevoegen",
    "customers.searchHint": "Begin van naam, e-mailadres of bedrijf",
    "customers.empty": "Geen klant gevonden.",
    "customers.deactivateText": "{name} kan niet meer inloggen in de winkel; lopende sessies eindigen meteen. Je kunt het account later weer activeren.",
    "customers.activateText": "{name} kan weer inloggen in de winkel.",
    "customers.deleteText": "Het account van {name} wordt definitief verwijderd. Dit kan niet ongedaan worden gemaakt; het e-mailadres kan daarna voor een nieuw account worden gebruikt.",
    "customers.addTitle": "Klantaccount toevoegen",
    "customers.addIntro": "Velden met * zijn nodig. Met de uitnodiging krijgt de klant een mail met een link om een wachtwoord in te stellen.",
    "customers.sendInvitation": "De uitnodigingsmail nu sturen",
    "customers.sendInvitationHint": "Zonder blijft het account uitgenodigd staan: stuur de uitnodiging later via de opties van de rij.",
    "customers.submit": "Klant toevoegen",
    "customers.added": "{email} is toegevoegd; de uitnodigingsmail is onderweg.",
    "customers.addedQuiet": "{email} is toegevoegd zonder uitnodiging.",
    "customers.company": "Bedrijf",
    "customers.phone": "Telefoon",
    "customers.vatNumber": "Btw-nummer",
    "customers.vatHint": "Landcode en nummer, bijv. NL123456789B01",
    "customers.address": "Adres",
    "customers.addressHint": "Alle vier, of geen.",
    "customers.street": "Straat en huisnummer",
    "customers.postalCode": "Postcode",
    "customers.city": "Plaats",
    "customers.country": "Land",
    "customers.countryHint": "Twee letters, bijv. NL, BE of DE",
    "customers.notes": "Notities",
    "customers.notesHint": "Alleen voor de winkel: de klant ziet ze nooit.",
    "customers.invalidPhone": "Gebruik minimaal 3 cijfers, met alleen spaties en + ( ) . / -.",
    "customers.invalidVat": "Vul een btw-nummer in: een landcode en 2 tot 13 letters of cijfers.",
    "customers.invalidCountry": "Vul een landcode van twee letters in, zoals NL of DE.",
    "customers.addressIncomplete": "Vul straat, postcode, plaats en land in, of laat het hele adres leeg."
  },
  de: {
    "customers.title": "Kundenkonten",
    "customers.add": "Kunde hinzufügen",
    "customers.searchHint": "Anfang von Name, E-Mail-Adresse oder Firma",
    "customers.empty": "Kein Kunde gefunden.",
    "customers.deactivateText": "{name} kann sich nicht mehr im Shop anmelden; laufende Sitzungen enden sofort. Du kannst das Konto später wieder aktivieren.",
    "customers.activateText": "{name} kann sich wieder im Shop anmelden.",
    "customers.deleteText": "Das Konto von {name} wird endgültig entfernt. Das kann nicht rückgängig gemacht werden; die E-Mail-Adresse kann danach für ein neues Konto verwendet werden.",
    "customers.addTitle": "Kundenkonto hinzufügen",
    "customers.addIntro": "Felder mit * sind nötig. Mit der Einladung erhält der Kunde eine Mail mit einem Link, um ein Passwort festzulegen.",
    "customers.sendInvitation": "Die Einladungsmail jetzt senden",
    "customers.sendInvitationHint": "Ohne sie bleibt das Konto eingeladen: Sende die Einladung später über die Optionen der Zeile.",
    "customers.submit": "Kunde hinzufügen",
    "customers.added": "{email} wurde hinzugefügt; die Einladungsmail ist unterwegs.",
    "customers.addedQuiet": "{email} wurde ohne Einladung hinzugefügt.",
    "customers.company": "Firma",
    "customers.phone": "Telefon",
    "customers.vatNumber": "USt-IdNr.",
    "customers.vatHint": "Ländercode und Nummer, z. B. DE123456789",
    "customers.address": "Adresse",
    "customers.addressHint": "Alle vier oder keine.",
    "customers.street": "Straße und Hausnummer",
    "customers.postalCode": "Postleitzahl",
    "customers.city": "Ort",
    "customers.country": "Land",
    "customers.countryHint": "Zwei Buchstaben, z. B. NL, BE oder DE",
    "customers.notes": "Notizen",
    "customers.notesHint": "Nur für den Shop: Der Kunde sieht sie nie.",
    "customers.invalidPhone": "Verwende mindestens 3 Ziffern, dazu nur Leerzeichen und + ( ) . / -.",
    "customers.invalidVat": "Gib eine USt-IdNr. ein: einen Ländercode und 2 bis 13 Buchstaben oder Ziffern.",
    "customers.invalidCountry": "Gib einen Ländercode aus zwei Buchstaben ein, etwa NL oder DE.",
    "customers.addressIncomplete": "Fülle Straße, Postleitzahl, Ort und Land aus, oder lass die ganze Adresse leer."
  }
});

const ADDRESS = ["street", "postalCode", "city", "country"];
const LIMITS = { firstName: 100, lastName: 100, company: 100, phone: 30, vatNumber: 20, notes: 2000, street: 200, postalCode: 20, city: 100 };

// customerFields are the form's fields for a customer c (empty to add one).
export function customerFields(c, { readonly, create } = {}) {
  const a = c.address || {};
  const ro = !!readonly;
  const star = (s) => (create ? s + " *" : s);
  return [
    field({ name: "email", label: star(t("email")), type: "email", value: c.email, required: true, spellcheck: false, maxlength: 254, readonly: ro,
      hint: create || ro ? "" : t(c.status === "invited" ? "people.emailInvited" : "people.emailConfirm") }),
    h("div", { class: "row2" },
      field({ name: "firstName", label: star(t("firstName")), value: c.firstName, required: true, maxlength: LIMITS.firstName, readonly: ro }),
      field({ name: "lastName", label: star(t("lastName")), value: c.lastName, required: true, maxlength: LIMITS.lastName, readonly: ro })),
    field({ name: "company", label: t("customers.company"), value: c.company, maxlength: LIMITS.company, readonly: ro, autocomplete: "off" }),
    h("div", { class: "row2" },
      field({ name: "phone", label: t("customers.phone"), type: "tel", value: c.phone, maxlength: LIMITS.phone, readonly: ro, inputmode: "tel" }),
      field({ name: "vatNumber", label: t("customers.vatNumber"), value: c.vatNumber, maxlength: LIMITS.vatNumber, readonly: ro, hint: t("customers.vatHint"), spellcheck: false })),
    h("fieldset", { class: "field group" },
      h("legend", null, t("customers.address")),
      h("p", { class: "hint" }, t("customers.addressHint")),
      field({ name: "address.street", label: t("customers.street"), value: a.street, maxlength: LIMITS.street, readonly: ro }),
      h("div", { class: "row3" },
        field({ name: "address.postalCode", label: t("customers.postalCode"), value: a.postalCode, maxlength: LIMITS.postalCode, readonly: ro }),
        field({ name: "address.city", label: t("customers.city"), value: a.city, maxlength: LIMITS.city, readonly: ro }),
        field({ name: "address.country", label: t("customers.country"), value: a.country, maxlength: 2, readonly: ro, hint: t("customers.countryHint"), spellcheck: false }))),
    textarea({ name: "notes", label: t("customers.notes"), value: c.notes, maxlength: LIMITS.notes, readonly: ro, hint: t("customers.notesHint"), rows: 3 }),
    field({ name: "locale", label: t("language"), type: "select", value: c.locale || "", disabled: ro,
      options: [...(create ? [{ value: "", label: t("lang.shop") }] : []), ...LANGUAGES.map((l) => ({ value: l, label: t("lang." + l) }))] })
  ];
}

// readCustomer reads the form into the API's fields, checking what the API
// would refuse first so the person reads it in their language. Returns
// {values, errors: [[field, text]]}.
export function readCustomer(form) {
  const v = (n) => (form.elements[n] ? form.elements[n].value.trim() : "");
  const values = {};
  const errors = [];
  for (const n of ["email", "firstName", "lastName", "company", "phone", "vatNumber", "notes", "locale"]) values[n] = v(n);
  values.address = Object.fromEntries(ADDRESS.map((k) => [k, v("address." + k)]));
  values.address.country = values.address.country.toUpperCase();
  values.vatNumber = values.vatNumber.toUpperCase().replace(/[\s.-]/g, "");
  for (const n of ["email", "firstName", "lastName"]) if (!values[n]) errors.push([n, t("required")]);
  if (values.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email)) errors.push(["email", t("invalidEmail")]);
  for (const [n, max] of Object.entries(LIMITS)) {
    const val = ADDRESS.includes(n) ? values.address[n] : values[n];
    if ([...val].length > max) errors.push([ADDRESS.includes(n) ? "address." + n : n, t("tooLong", { max })]);
  }
  if (values.phone && !/^\+?[0-9 ()./-]{3,30}$/.test(values.phone)) errors.push(["phone", t("customers.invalidPhone")]);
  if (values.vatNumber && !/^[A-Z]{2}[A-Z0-9]{2,13}$/.test(values.vatNumber)) errors.push(["vatNumber", t("customers.invalidVat")]);
  const filled = ADDRESS.filter((k) => values.address[k]);
  if (filled.length && filled.length < ADDRESS.length) {
    for (const k of ADDRESS) if (!values.address[k]) errors.push(["address." + k, t("customers.addressIncomplete")]);
  }
  if (values.address.country && !/^[A-Z]{2}$/.test(values.address.country)) errors.push(["address.country", t("customers.invalidCountry")]);
  return { values, errors };
}

// changes is the PATCH body: the fields that differ from c ("" clears an
// optional field; an address of empty strings clears the address).
export function changes(c, values) {
  const out = {};
  for (const n of ["email", "firstName", "lastName", "company", "phone", "vatNumber", "notes", "locale"]) {
    if (values[n] !== (c[n] || "")) out[n] = values[n];
  }
  const had = c.address || { street: "", postalCode: "", city: "", country: "" };
  if (ADDRESS.some((k) => values.address[k] !== (had[k] || ""))) out.address = values.address;
  return out;
}

function showErrors(form, errors) {
  clearFieldErrors(form);
  for (const [n, text] of errors) setFieldError(form, n, text);
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
  return errors.length > 0;
}

export async function render(ctx) {
  const { can } = ctx;
  const list = peopleList(ctx, {
    kind: "customers",
    path: "/customers",
    list: CUSTOMER_LIST,
    perms: { reset: "customers.reset_password", resend: "customers.create", deactivate: "customers.deactivate", delete: "customers.delete" },
    columns: [
      { label: t("customers.company"), cell: (c) => c.company || "–" },
      { label: t("status"), cell: (c) => statusBadge(c.status) }
    ],
    add: can("customers.create") ? () => addDialog() : null,
    detail: (id) => detailPanel(id)
  });
  const { load, alertEl } = list;

  function addDialog() {
    const { dialog, body } = dialogShell(t("customers.addTitle"), { wide: true });
    dialog.id = "customer-add";
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const key = api.idempotencyKey(); // one customer, however often it is retried
    const form = h("form", { novalidate: true },
      h("p", null, t("customers.addIntro")),
      ...customerFields({}, { create: true }),
      checkbox({ name: "sendInvitation", label: t("customers.sendInvitation"), checked: true, hint: t("customers.sendInvitationHint") }));
    const submit = h("button", { type: "submit", class: "primary" }, t("customers.submit"));
    form.append(h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), submit));
    body.append(alertBox, form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      showAlert(alertBox, "");
      const { values, errors } = readCustomer(form);
      if (showErrors(form, errors)) return;
      const payload = { email: values.email, firstName: values.firstName, lastName: values.lastName, sendInvitation: form.elements.sendInvitation.checked };
      for (const n of ["company", "phone", "vatNumber", "notes", "locale"]) if (values[n]) payload[n] = values[n];
      if (values.address.street) payload.address = values.address;
      setBusy(submit, true);
      const res = await api.request("POST", "/customers", { body: payload, headers: key });
      setBusy(submit, false);
      if (!res.ok) {
        if (res.problem && res.problem.code === "email_taken") return showErrors(form, [["email", t("error.email_taken")]]);
        return saveFailed(form, res, alertBox, { retry: () => form.requestSubmit() });
      }
      dialog.close();
      await load();
      toast(t(res.data.emailQueued ? "customers.added" : "customers.addedQuiet", { email: values.email }));
    });
    openDialog(dialog);
  }

  async function detailPanel(id) {
    const res = await api.get(`/customers/${id}`);
    if (!res.ok) return failure(alertEl, res, { retry: () => detailPanel(id), reload: load });
    let c = res.data;
    const mayEdit = can("customers.update");
    const { dialog, body } = dialogShell(t("people.detail", { name: displayName(c) }), { wide: true });
    dialog.id = "customer-detail";
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const statusBox = h("div", { class: "status", role: "status" });
    const info = h("div");
    const form = h("form", { novalidate: true });
    const submit = h("button", { type: "submit", class: "primary" }, t("save"));
    const { show, reload } = panelRefresh({ path: `/customers/${id}`, dialog, form, alertBox, statusBox, set: (next) => { c = next; }, fill: () => fill(), reloadList: load });
    const fill = () => {
      info.replaceChildren(facts(personFacts(c)));
      if (!mayEdit) info.append(h("p", { class: "hint" }, t("readOnly", { perm: t("perm.customers.update") })));
      const pending = pendingEmail(c, { path: `/customers/${id}`, mayEdit, alertBox, show });
      if (pending) info.append(pending);
      form.replaceChildren(...customerFields(c, { readonly: !mayEdit }),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, mayEdit ? t("cancel") : t("close")),
          mayEdit ? submit : null));
    };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const { values, errors } = readCustomer(form);
      if (showErrors(form, errors)) return;
      const change = changes(c, values);
      if (!Object.keys(change).length) return dialog.close();
      setBusy(submit, true);
      const res = await api.request("PATCH", `/customers/${id}`, { body: change, headers: api.ifMatch(c.version) });
      setBusy(submit, false);
      if (!res.ok) {
        if (res.problem && res.problem.code === "email_taken") return showErrors(form, [["email", t("error.email_taken")]]);
        return saveFailed(form, res, alertBox, { reload, retry: () => form.requestSubmit() });
      }
      // A new address of someone who has signed in waits for its
      // confirmation: the panel stays open and says so.
      if (change.email && res.data.pendingEmail && res.data.email === c.email) {
        return show(res.data, t("pending.saved", { email: res.data.pendingEmail.email, current: res.data.email }), "saved");
      }
      const moved = change.email && res.data.email !== c.email && res.data.invitation;
      c = res.data;
      dialog.close();
      await load();
      toast(moved ? t("people.savedInvited", { email: c.email }) : t("people.saved"));
    });
    fill();
    body.append(alertBox, statusBox, info, form);
    openDialog(dialog);
  }

  await load();
  return list.cleanup;
}
