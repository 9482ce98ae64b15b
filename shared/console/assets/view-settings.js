// Settings: the shop's name and default language, the seats (used, limit,
// included), the price of an extra seat and what the seats cost per month,
// the lifetimes of invitation and reset links, and how long the audit log
// keeps events. Editable with settings.manage, read-only with settings.read.
import * as api from "./api.js";
import { t, plural, addStrings, formatMoney, formatNumber, formatDate, LANGUAGES } from "./i18n.js";
import { h, field, showAlert, saveFailed, failure, toast, setBusy, clearFieldErrors, setFieldError, facts } from "./ui.js";
import { parseMoney } from "./state.js";

addStrings({
  en: {
    "settings.title": "Settings",
    "settings.shop": "Shop",
    "settings.shopName": "Shop name",
    "settings.shopNameHint": "Named in every mail.",
    "settings.defaultLocale": "Default language",
    "settings.defaultLocaleHint": "Of mails and the console for people who chose none.",
    "settings.seats": "Seats and cost",
    "settings.seatsUsed": "Seats in use",
    "settings.seatsUsedValue": "{used} of {limit}",
    "settings.seatsHint": "Invited and active staff take a seat; deactivated and deleted people free theirs.",
    "settings.seatLimit": "Seat limit",
    "settings.seatLimitHint": "At most this many staff can be invited or active; not below the {used} in use.",
    "settings.includedSeats": "Seats included in the plan",
    "settings.price": "Price per extra seat, per month ({currency})",
    "settings.priceHint": "For every seat in use beyond those included.",
    "settings.monthlyCost": "Cost per month now",
    "settings.monthlyCostValue": "{cost} ({n} extra seats × {price})",
    "settings.monthlyCostValue.one": "{cost} (one extra seat × {price})",
    "settings.links": "Links in mails",
    "settings.invitationTtl": "Invitation links work for (hours)",
    "settings.invitationTtlHint": "1 to 720 hours; now {text}.",
    "settings.resetTtl": "Password reset links work for (minutes)",
    "settings.resetTtlHint": "5 to 1440 minutes; now {text}.",
    "settings.audit": "Audit log",
    "settings.auditRetention": "Keep audit events for (days)",
    "settings.auditRetentionHint": "30 to 3650 days; now {text}.",
    "settings.updated": "Last changed {date}.",
    "settings.save": "Save settings",
    "settings.saved": "The settings have been saved.",
    "settings.between": "Enter a whole number from {min} to {max}.",
    "settings.belowUsed": "The limit can not go below the {used} seats in use.",
    "settings.badMoney": "Enter an amount such as 25 or 25.50.",
    "unit.hours": "{n} hours",
    "unit.days": "{n} days",
    "unit.minutes": "{n} minutes"
  },
  nl: {
    "settings.title": "Instellingen",
    "settings.shop": "Winkel",
    "settings.shopName": "Naam van de winkel",
    "settings.shopNameHint": "Staat in elke mail.",
    "settings.defaultLocale": "Standaardtaal",
    "settings.defaultLocaleHint": "Van mails en de console voor wie er zelf geen koos.",
    "settings.seats": "Plaatsen en kosten",
    "settings.seatsUsed": "Plaatsen in gebruik",
    "settings.seatsUsedValue": "{used} van {limit}",
    "settings.seatsHint": "Uitgenodigde en actieve beheerders nemen een plaats in; gedeactiveerde en verwijderde geven hun plaats vrij.",
    "settings.seatLimit": "Maximum aantal plaatsen",
    "settings.seatLimitHint": "Hoogstens zoveel beheerders kunnen uitgenodigd of actief zijn; niet lager dan de {used} in gebruik.",
    "settings.includedSeats": "Plaatsen inbegrepen in het pakket",
    "settings.price": "Prijs per extra plaats, per maand ({currency})",
    "settings.priceHint": "Voor elke plaats in gebruik boven de inbegrepen.",
    "settings.monthlyCost": "Kosten per maand nu",
    "settings.monthlyCostValue": "{cost} ({n} extra plaatsen × {price})",
    "settings.monthlyCostValue.one": "{cost} (één extra plaats × {price})",
    "settings.links": "Links in mails",
    "settings.invitationTtl": "Uitnodigingslinks werken (uren)",
    "settings.invitationTtlHint": "1 tot 720 uur; nu {text}.",
    "settings.resetTtl": "Wachtwoordherstellinks werken (minuten)",
    "settings.resetTtlHint": "5 tot 1440 minuten; nu {text}.",
    "settings.audit": "Auditlog",
    "settings.auditRetention": "Auditgebeurtenissen bewaren (dagen)",
    "settings.auditRetentionHint": "30 tot 3650 dagen; nu {text}.",
    "settings.updated": "Laatst gewijzigd {date}.",
    "settings.save": "Instellingen opslaan",
    "settings.saved": "De instellingen zijn opgeslagen.",
    "settings.between": "Vul een heel getal in van {min} tot {max}.",
    "settings.belowUsed": "Het maximum kan niet lager dan de {used} plaatsen in gebruik.",
    "settings.badMoney": "Vul een bedrag in zoals 25 of 25,50.",
    "unit.hours": "{n} uur",
    "unit.days": "{n} dagen",
    "unit.minutes": "{n} minuten"
  },
  de: {
    "settings.title": "Einstellungen",
    "settings.shop": "Shop",
    "settings.shopName": "Name des Shops",
    "settings.shopNameHint": "Steht in jeder Mail.",
    "settings.defaultLocale": "Standardsprache",
    "settings.defaultLocaleHint": "Der Mails und der Konsole für alle, die keine gewählt haben.",
    "settings.seats": "Plätze und Kosten",
    "settings.seatsUsed": "Belegte Plätze",
    "settings.seatsUsedValue": "{used} von {limit}",
    "settings.seatsHint": "Eingeladene und aktive Verwalter belegen einen Platz; deaktivierte und gelöschte geben ihren frei.",
    "settings.seatLimit": "Platzlimit",
    "settings.seatLimitHint": "Höchstens so viele Verwalter können eingeladen oder aktiv sein; nicht unter den {used} belegten.",
    "settings.includedSeats": "Im Paket enthaltene Plätze",
    "settings.price": "Preis je zusätzlichem Platz und Monat ({currency})",
    "settings.priceHint": "Für jeden belegten Platz über die enthaltenen hinaus.",
    "settings.monthlyCost": "Kosten pro Monat jetzt",
    "settings.monthlyCostValue": "{cost} ({n} zusätzliche Plätze × {price})",
    "settings.monthlyCostValue.one": "{cost} (ein zusätzlicher Platz × {price})",
    "settings.links": "Links in Mails",
    "settings.invitationTtl": "Einladungslinks gelten (Stunden)",
    "settings.invitationTtlHint": "1 bis 720 Stunden; jetzt {text}.",
    "settings.resetTtl": "Links zum Zurücksetzen gelten (Minuten)",
    "settings.resetTtlHint": "5 bis 1440 Minuten; jetzt {text}.",
    "settings.audit": "Audit-Log",
    "settings.auditRetention": "Audit-Ereignisse aufbewahren (Tage)",
    "settings.auditRetentionHint": "30 bis 3650 Tage; jetzt {text}.",
    "settings.updated": "Zuletzt geändert {date}.",
    "settings.save": "Einstellungen speichern",
    "settings.saved": "Die Einstellungen wurden gespeichert.",
    "settings.between": "Gib eine ganze Zahl von {min} bis {max} ein.",
    "settings.belowUsed": "Das Limit kann nicht unter die {used} belegten Plätze sinken.",
    "settings.badMoney": "Gib einen Betrag wie 25 oder 25,50 ein.",
    "unit.hours": "{n} Stunden",
    "unit.days": "{n} Tage",
    "unit.minutes": "{n} Minuten"
  }
});

// The whole-number fields with the API's bounds.
export const NUMBERS = {
  seatLimit: [1, 10000],
  includedSeats: [0, 10000],
  invitationTtlHours: [1, 720],
  resetTtlMinutes: [5, 1440],
  auditRetentionDays: [30, 3650]
};

// duration says a lifetime in words ("72 hours (3 days)").
export function duration(n, unit) {
  if (unit === "hours" && n >= 48 && n % 24 === 0) return t("unit.hours", { n: formatNumber(n) }) + " (" + t("unit.days", { n: formatNumber(n / 24) }) + ")";
  if (unit === "minutes" && n >= 120 && n % 60 === 0) return t("unit.minutes", { n: formatNumber(n) }) + " (" + t("unit.hours", { n: formatNumber(n / 60) }) + ")";
  return t("unit." + unit, { n: formatNumber(n) });
}

// readSettings checks the form and returns {values, errors}; money is read
// in cents as the person types it (25, 25,50, 25.50).
export function readSettings(form, seatsUsed) {
  const errors = [];
  const values = { shopName: form.elements.shopName.value.trim(), defaultLocale: form.elements.defaultLocale.value };
  if (!values.shopName) errors.push(["shopName", t("required")]);
  else if ([...values.shopName].length > 100) errors.push(["shopName", t("tooLong", { max: 100 })]);
  for (const [n, [min, max]] of Object.entries(NUMBERS)) {
    const raw = form.elements[n].value.trim();
    const v = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(v >= min && v <= max)) errors.push([n, t("settings.between", { min: formatNumber(min), max: formatNumber(max) })]);
    values[n] = v;
  }
  if (values.seatLimit < seatsUsed) errors.push(["seatLimit", t("settings.belowUsed", { used: seatsUsed })]);
  const cents = parseMoney(form.elements.pricePerExtraSeat.value);
  if (!(cents >= 0 && cents <= 1000000)) errors.push(["pricePerExtraSeat", t("settings.badMoney")]);
  values.pricePerExtraSeatCents = cents;
  return { values, errors };
}

// settingsChange is the PATCH body: what differs from s.
export function settingsChange(s, v) {
  const now = {
    shopName: s.shopName, defaultLocale: s.defaultLocale, seatLimit: s.seatLimit, includedSeats: s.billing.includedSeats,
    pricePerExtraSeatCents: s.billing.pricePerExtraSeatCents, invitationTtlHours: s.invitationTtlHours,
    resetTtlMinutes: s.resetTtlMinutes, auditRetentionDays: s.auditRetentionDays
  };
  const out = {};
  for (const k of Object.keys(now)) if (v[k] !== undefined && v[k] !== now[k]) out[k] = v[k];
  return out;
}

// moneyInput shows cents as the person would type them (25,50 in nl/de).
function moneyInput(cents) {
  return new Intl.NumberFormat(document.documentElement.lang || "en", { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }).format(cents / 100);
}

export async function render(ctx) {
  const { root, can } = ctx;
  const mayManage = can("settings.manage");
  let alive = true;
  let s = null;
  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, t("settings.title"));
  const form = h("form", { novalidate: true, id: "settings-form" });
  const submit = h("button", { type: "submit", class: "primary", id: "settings-save" }, t("settings.save"));
  root.replaceChildren(h("section", { class: "screen" },
    h("div", { class: "screen-head" }, heading),
    alertEl,
    mayManage ? null : h("p", { class: "hint" }, t("readOnly", { perm: t("perm.settings.manage") })),
    form));

  const fill = () => {
    const ro = !mayManage;
    const b = s.billing;
    const extra = Math.max(0, s.seatsUsed - b.includedSeats);
    form.replaceChildren(
      h("fieldset", { class: "card settings-group" }, h("legend", null, t("settings.shop")),
        field({ name: "shopName", label: t("settings.shopName"), value: s.shopName, required: true, maxlength: 100, readonly: ro, hint: t("settings.shopNameHint") }),
        field({ name: "defaultLocale", label: t("settings.defaultLocale"), type: "select", value: s.defaultLocale, disabled: ro, hint: t("settings.defaultLocaleHint"),
          options: LANGUAGES.map((l) => ({ value: l, label: t("lang." + l) })) })),
      h("fieldset", { class: "card settings-group" }, h("legend", null, t("settings.seats")),
        facts([
          [t("settings.seatsUsed"), h("span", { id: "seats-used" }, t("settings.seatsUsedValue", { used: formatNumber(s.seatsUsed), limit: formatNumber(s.seatLimit) }))],
          [t("settings.includedSeats"), formatNumber(b.includedSeats)],
          [t("settings.monthlyCost"), h("span", { id: "monthly-cost" }, plural("settings.monthlyCostValue", extra, { cost: formatMoney(b.monthlyCostCents, b.currency), price: formatMoney(b.pricePerExtraSeatCents, b.currency) }))]
        ]),
        h("p", { class: "hint" }, t("settings.seatsHint")),
        h("div", { class: "row3" },
          field({ name: "seatLimit", label: t("settings.seatLimit"), type: "number", value: String(s.seatLimit), readonly: ro, inputmode: "numeric", hint: t("settings.seatLimitHint", { used: formatNumber(s.seatsUsed) }) }),
          field({ name: "includedSeats", label: t("settings.includedSeats"), type: "number", value: String(b.includedSeats), readonly: ro, inputmode: "numeric" }),
          field({ name: "pricePerExtraSeat", label: t("settings.price", { currency: b.currency }), value: moneyInput(b.pricePerExtraSeatCents), readonly: ro, inputmode: "decimal", hint: t("settings.priceHint") }))),
      h("fieldset", { class: "card settings-group" }, h("legend", null, t("settings.links")),
        h("div", { class: "row2" },
          field({ name: "invitationTtlHours", label: t("settings.invitationTtl"), type: "number", value: String(s.invitationTtlHours), readonly: ro, inputmode: "numeric", hint: t("settings.invitationTtlHint", { text: duration(s.invitationTtlHours, "hours") }) }),
          field({ name: "resetTtlMinutes", label: t("settings.resetTtl"), type: "number", value: String(s.resetTtlMinutes), readonly: ro, inputmode: "numeric", hint: t("settings.resetTtlHint", { text: duration(s.resetTtlMinutes, "minutes") }) }))),
      h("fieldset", { class: "card settings-group" }, h("legend", null, t("settings.audit")),
        field({ name: "auditRetentionDays", label: t("settings.auditRetention"), type: "number", value: String(s.auditRetentionDays), readonly: ro, inputmode: "numeric", hint: t("settings.auditRetentionHint", { text: duration(s.auditRetentionDays, "days") }) })),
      h("p", { class: "hint" }, t("settings.updated", { date: formatDate(s.updatedAt) })),
      h("div", { class: "actions" }, mayManage ? submit : null));
    for (const [n, [min, max]] of Object.entries(NUMBERS)) {
      const input = form.elements[n];
      input.min = String(min);
      input.max = String(max);
      input.step = "1";
    }
  };

  async function load() {
    const res = await api.get("/settings");
    if (!alive) return;
    if (!res.ok) return failure(alertEl, res, { retry: load });
    showAlert(alertEl, "");
    s = res.data;
    fill();
  }
  const reload = async () => {
    await load();
    form.elements.shopName.focus();
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    showAlert(alertEl, "");
    const { values, errors } = readSettings(form, s.seatsUsed);
    for (const [n, text] of errors) setFieldError(form, n, text);
    if (errors.length) return form.querySelector('[aria-invalid="true"]').focus();
    const change = settingsChange(s, values);
    if (!Object.keys(change).length) return toast(t("settings.saved"));
    setBusy(submit, true);
    const res = await api.request("PATCH", "/settings", { body: change, headers: api.ifMatch(s.version) });
    setBusy(submit, false);
    if (!res.ok) {
      // The API names the field "pricePerExtraSeatCents" and counts cents;
      // the form shows money, and says so in its own words.
      const price = res.problem && res.problem.errors.find((fe) => fe.field === "pricePerExtraSeatCents");
      if (price) price.field = "pricePerExtraSeat";
      saveFailed(form, res, alertEl, { reload, retry: () => form.requestSubmit() });
      if (price) setFieldError(form, "pricePerExtraSeat", t("settings.badMoney"));
      return;
    }
    s = res.data;
    fill();
    toast(t("settings.saved"));
    heading.focus();
  });

  await load();
  return () => { alive = false; };
}
