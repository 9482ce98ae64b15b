// Audit log: every change, newest first, filtered by person (the actor),
// target (type and id), action and time (from, to), paged with the API's
// cursors; all filters in the address. Each event shows who did what to
// which thing, and its changes field by field, before and after.
import * as api from "./api.js";
import { t, has, plural, addStrings, formatDate } from "./i18n.js";
import { h, nextId, showAlert, failure, toast, debounce, setAddress, displayName } from "./ui.js";
import { readAuditState, auditQuery, auditApiQuery, localInput, fromLocalInput, AUDIT_TARGETS } from "./state.js";

// Actions by target type, as the API writes them (shared/*: audit.New).
export const ACTIONS = {
  staff: ["invite", "update", "update_self", "deactivate", "activate", "delete", "resend_invitation", "accept_invitation",
    "password_reset_requested", "password_reset", "password_change", "login", "logout", "logout_all"],
  customer: ["create", "update", "update_self", "deactivate", "activate", "delete", "resend_invitation", "accept_invitation",
    "password_reset_requested", "password_reset", "password_change", "login", "logout"],
  role: ["create", "update", "delete"],
  category: ["create", "update", "delete", "renumber", "thumbnail", "thumbnail_uploaded"],
  settings: ["update"]
};

addStrings({
  en: {
    "audit.title": "Audit log",
    "audit.intro": "Every change made through the backoffice, newest first. Filters combine.",
    "audit.person": "Person",
    "audit.personHint": "Name or email address of a staff member",
    "audit.personChosen": "Only changes by {name}",
    "audit.personSystem": "The system (deployment)",
    "audit.choose": "Choose {name}",
    "audit.noMatch": "Nobody matches.",
    "audit.personNeedsStaff": "To pick a person by name you need the permission “{perm}”; choose one from an event below instead.",
    "audit.targetType": "Target",
    "audit.targetId": "Target id",
    "audit.targetIdHint": "Needs a target; pick one from an event below.",
    "audit.action": "Action",
    "audit.anyAction": "Any action",
    "audit.anyTarget": "Anything",
    "audit.from": "From",
    "audit.to": "Until",
    "audit.clear": "Clear filters",
    "audit.remove": "Remove",
    "audit.when": "When",
    "audit.who": "Who",
    "audit.what": "What",
    "audit.byPerson": "Only changes by {name}",
    "audit.onTarget": "Only changes to this one ({type})",
    "audit.changes": "Before and after ({n} fields)",
    "audit.changes.one": "Before and after (one field)",
    "audit.field": "Field",
    "audit.before": "Before",
    "audit.after": "After",
    "audit.none": "(none)",
    "audit.empty": "No events match.",
    "audit.anonymous": "Someone not signed in",
    "audit.request": "Request {id}",
    "audit.badRange": "“From” must come before “until”.",
    "target.staff": "Staff member",
    "target.customer": "Customer",
    "target.role": "Role",
    "target.category": "Category",
    "target.settings": "Settings",
    "action.create": "created",
    "action.update": "changed",
    "action.update_self": "changed own profile",
    "action.deactivate": "deactivated",
    "action.activate": "activated",
    "action.delete": "deleted",
    "action.invite": "invited",
    "action.resend_invitation": "invitation sent again",
    "action.accept_invitation": "invitation accepted",
    "action.password_reset_requested": "password reset mail sent",
    "action.password_reset": "password reset with a mail link",
    "action.password_change": "password changed",
    "action.login": "signed in",
    "action.logout": "signed out",
    "action.logout_all": "signed out everywhere",
    "action.renumber": "siblings renumbered",
    "action.thumbnail": "thumbnail upload started",
    "action.thumbnail_uploaded": "thumbnail uploaded"
  },
  nl: {
    "audit.title": "Auditlog",
    "audit.intro": "Elke wijziging via de backoffice, nieuwste eerst. Filters werken samen.",
    "audit.person": "Persoon",
    "audit.personHint": "Naam of e-mailadres van een beheerder",
    "audit.personChosen": "Alleen wijzigingen door {name}",
    "audit.personSystem": "Het systeem (installatie)",
    "audit.choose": "{name} kiezen",
    "audit.noMatch": "Niemand gevonden.",
    "audit.personNeedsStaff": "Om een persoon op naam te kiezen is het recht “{perm}” nodig; kies er hieronder een uit een gebeurtenis.",
    "audit.targetType": "Onderwerp",
    "audit.targetId": "Id van het onderwerp",
    "audit.targetIdHint": "Hoort bij een onderwerp; kies er hieronder een uit een gebeurtenis.",
    "audit.action": "Actie",
    "audit.anyAction": "Elke actie",
    "audit.anyTarget": "Alles",
    "audit.from": "Vanaf",
    "audit.to": "Tot en met",
    "audit.clear": "Filters wissen",
    "audit.remove": "Weghalen",
    "audit.when": "Wanneer",
    "audit.who": "Wie",
    "audit.what": "Wat",
    "audit.byPerson": "Alleen wijzigingen door {name}",
    "audit.onTarget": "Alleen wijzigingen hieraan ({type})",
    "audit.changes": "Voor en na ({n} velden)",
    "audit.changes.one": "Voor en na (één veld)",
    "audit.field": "Veld",
    "audit.before": "Voor",
    "audit.after": "Na",
    "audit.none": "(geen)",
    "audit.empty": "Geen gebeurtenissen gevonden.",
    "audit.anonymous": "Iemand die niet ingelogd was",
    "audit.request": "Verzoek {id}",
    "audit.badRange": "“Vanaf” moet vóór “tot en met” liggen.",
    "target.staff": "Beheerder",
    "target.customer": "Klant",
    "target.role": "Rol",
    "target.category": "Categorie",
    "target.settings": "Instellingen",
    "action.create": "aangemaakt",
    "action.update": "gewijzigd",
    "action.update_self": "eigen profiel gewijzigd",
    "action.deactivate": "gedeactiveerd",
    "action.activate": "geactiveerd",
    "action.delete": "verwijderd",
    "action.invite": "uitgenodigd",
    "action.resend_invitation": "uitnodiging opnieuw gestuurd",
    "action.accept_invitation": "uitnodiging aangenomen",
    "action.password_reset_requested": "wachtwoordherstelmail gestuurd",
    "action.password_reset": "wachtwoord hersteld met een maillink",
    "action.password_change": "wachtwoord gewijzigd",
    "action.login": "ingelogd",
    "action.logout": "uitgelogd",
    "action.logout_all": "overal uitgelogd",
    "action.renumber": "buren opnieuw genummerd",
    "action.thumbnail": "upload van miniatuur gestart",
    "action.thumbnail_uploaded": "miniatuur geüpload"
  },
  de: {
    "audit.title": "Audit-Log",
    "audit.intro": "Jede Änderung über das Backoffice, neueste zuerst. Filter wirken zusammen.",
    "audit.person": "Person",
    "audit.personHint": "Name oder E-Mail-Adresse eines Verwalters",
    "audit.personChosen": "Nur Änderungen von {name}",
    "audit.personSystem": "Das System (Installation)",
    "audit.choose": "{name} wählen",
    "audit.noMatch": "Niemand gefunden.",
    "audit.personNeedsStaff": "Um eine Person nach Namen zu wählen, ist das Recht „{perm}“ nötig; wähle stattdessen eine aus einem Ereignis unten.",
    "audit.targetType": "Gegenstand",
    "audit.targetId": "Id des Gegenstands",
    "audit.targetIdHint": "Gehört zu einem Gegenstand; wähle einen aus einem Ereignis unten.",
    "audit.action": "Aktion",
    "audit.anyAction": "Jede Aktion",
    "audit.anyTarget": "Alles",
    "audit.from": "Ab",
    "audit.to": "Bis",
    "audit.clear": "Filter löschen",
    "audit.remove": "Entfernen",
    "audit.when": "Wann",
    "audit.who": "Wer",
    "audit.what": "Was",
    "audit.byPerson": "Nur Änderungen von {name}",
    "audit.onTarget": "Nur Änderungen hieran ({type})",
    "audit.changes": "Vorher und nachher ({n} Felder)",
    "audit.changes.one": "Vorher und nachher (ein Feld)",
    "audit.field": "Feld",
    "audit.before": "Vorher",
    "audit.after": "Nachher",
    "audit.none": "(keiner)",
    "audit.empty": "Keine Ereignisse gefunden.",
    "audit.anonymous": "Jemand, der nicht angemeldet war",
    "audit.request": "Anfrage {id}",
    "audit.badRange": "„Ab“ muss vor „bis“ liegen.",
    "target.staff": "Verwalter",
    "target.customer": "Kunde",
    "target.role": "Rolle",
    "target.category": "Kategorie",
    "target.settings": "Einstellungen",
    "action.create": "angelegt",
    "action.update": "geändert",
    "action.update_self": "eigenes Profil geändert",
    "action.deactivate": "deaktiviert",
    "action.activate": "aktiviert",
    "action.delete": "gelöscht",
    "action.invite": "eingeladen",
    "action.resend_invitation": "Einladung erneut gesendet",
    "action.accept_invitation": "Einladung angenommen",
    "action.password_reset_requested": "Mail zum Zurücksetzen des Passworts gesendet",
    "action.password_reset": "Passwort mit einem Mail-Link zurückgesetzt",
    "action.password_change": "Passwort geändert",
    "action.login": "angemeldet",
    "action.logout": "abgemeldet",
    "action.logout_all": "überall abgemeldet",
    "action.renumber": "Nachbarn neu nummeriert",
    "action.thumbnail": "Hochladen eines Vorschaubilds begonnen",
    "action.thumbnail_uploaded": "Vorschaubild hochgeladen"
  }
});

// actionText names an action ("staff.invite") in words; unknown ones as they are.
export function actionText(action) {
  const [type, verb] = action.split(".");
  if (!has("target." + type) || !has("action." + verb)) return action;
  return t("target." + type) + ": " + t("action." + verb);
}

// valueText shows a before or after value: text as it is, lists joined,
// objects as key: value pairs, nothing as "(none)".
export function valueText(v) {
  if (v === null || v === undefined || v === "") return t("audit.none");
  if (Array.isArray(v)) return v.length ? v.map(valueText).join(", ") : t("audit.none");
  if (typeof v === "object") return Object.entries(v).map(([k, x]) => k + ": " + valueText(x)).join("; ");
  if (typeof v === "boolean") return v ? t("yes") : t("no");
  return String(v);
}

export async function render(ctx) {
  const { root, can, base } = ctx;
  const state = readAuditState(ctx.params);
  let alive = true;
  let personName = ""; // the chosen person's name, when known

  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, t("audit.title"));

  // Person: a search among staff (with staff.read) that sets actorId; the
  // choice shows as a removable line.
  const personId = nextId("person");
  const person = h("input", { id: personId, type: "search", autocomplete: "off", maxLength: 100, "aria-describedby": personId + "-hint", "aria-controls": personId + "-matches" });
  const matches = h("ul", { class: "matches", id: personId + "-matches", "aria-label": t("audit.person") });
  const chosen = h("div", { class: "chosen" });
  const personField = h("div", { class: "field grow" },
    h("label", { for: personId }, t("audit.person")),
    can("staff.read") ? person : null,
    h("p", { id: personId + "-hint", class: "hint" }, can("staff.read") ? t("audit.personHint") : t("audit.personNeedsStaff", { perm: t("perm.staff.read") })),
    matches, chosen);
  if (!can("staff.read")) person.hidden = true;

  const typeId = nextId("type");
  const targetType = h("select", { id: typeId, name: "targetType" },
    h("option", { value: "" }, t("audit.anyTarget")),
    AUDIT_TARGETS.map((k) => h("option", { value: k, selected: k === state.targetType }, t("target." + k))));
  const targetIdId = nextId("target");
  const targetId = h("input", { id: targetIdId, name: "targetId", value: state.targetId, maxLength: 100, autocomplete: "off", spellcheck: false, disabled: !state.targetType, "aria-describedby": targetIdId + "-hint" });
  const actionId = nextId("action");
  const action = h("select", { id: actionId, name: "action" }, h("option", { value: "" }, t("audit.anyAction")),
    Object.entries(ACTIONS).map(([type, verbs]) => h("optgroup", { label: t("target." + type) },
      verbs.map((v) => h("option", { value: type + "." + v, selected: type + "." + v === state.action }, actionText(type + "." + v))))));
  const fromId = nextId("from");
  const from = h("input", { id: fromId, name: "from", type: "datetime-local", value: localInput(state.from) });
  const toId = nextId("to");
  const to = h("input", { id: toId, name: "to", type: "datetime-local", value: localInput(state.to) });
  const clear = h("button", { type: "button", class: "secondary", id: "audit-clear" }, t("audit.clear"));
  const rangeError = h("p", { class: "error", id: nextId("range") });
  from.setAttribute("aria-describedby", rangeError.id);
  to.setAttribute("aria-describedby", rangeError.id);

  const filters = h("div", { class: "filters audit-filters" },
    personField,
    h("div", { class: "field" }, h("label", { for: typeId }, t("audit.targetType")), targetType),
    h("div", { class: "field" }, h("label", { for: targetIdId }, t("audit.targetId")), targetId, h("p", { id: targetIdId + "-hint", class: "hint" }, t("audit.targetIdHint"))),
    h("div", { class: "field" }, h("label", { for: actionId }, t("audit.action")), action),
    h("div", { class: "field" }, h("label", { for: fromId }, t("audit.from")), from),
    h("div", { class: "field" }, h("label", { for: toId }, t("audit.to")), to, rangeError),
    h("div", { class: "field end" }, clear));

  const events = h("ol", { class: "events", id: "audit-events", "aria-label": t("audit.title") });
  const countEl = h("p", { class: "hint", role: "status" });
  const firstButton = h("a", { class: "button secondary" }, t("list.first"));
  const nextButton = h("a", { class: "button secondary", id: "audit-next" }, t("list.next"));
  root.replaceChildren(h("section", { class: "screen" },
    h("div", { class: "screen-head" }, heading),
    h("p", { class: "hint" }, t("audit.intro")),
    alertEl, filters, events,
    h("div", { class: "pager" }, countEl, firstButton, nextButton)));

  function go({ replace } = {}) {
    state.cursor = "";
    setAddress(base + auditQuery(state), replace);
    load();
  }

  // --- the person filter --------------------------------------------------------------
  function showChosen() {
    chosen.replaceChildren();
    if (!state.actorId) return;
    const name = state.actorId === "system" ? t("audit.personSystem") : personName || state.actorId;
    chosen.append(h("p", { id: "audit-person" }, t("audit.personChosen", { name }), " ",
      h("button", { type: "button", class: "link", "aria-label": t("audit.remove") + ": " + t("audit.personChosen", { name }), onclick: () => { state.actorId = ""; personName = ""; showChosen(); go(); person.focus(); } }, t("audit.remove"))));
  }
  function choosePerson(id, name) {
    state.actorId = id;
    personName = name;
    person.value = "";
    matches.replaceChildren();
    showChosen();
    go();
    // The button chosen goes with the matches or the events it was in: the
    // focus goes to the person filter, which now shows the choice.
    (can("staff.read") ? person : chosen.querySelector("button")).focus();
  }
  const findPeople = debounce(async () => {
    const q = person.value.trim();
    if (!q) return matches.replaceChildren();
    const res = await api.get("/staff", { q, limit: 6 });
    if (!alive || person.value.trim() !== q) return;
    if (!res.ok) return matches.replaceChildren(h("li", null, t("list.loadFailed")));
    const items = res.data.items.map((p) => h("li", null, h("button", { type: "button", class: "link", onclick: () => choosePerson(p.id, displayName(p)) }, t("audit.choose", { name: displayName(p) + " <" + p.email + ">" }))));
    if ("system".startsWith(q.toLowerCase())) items.push(h("li", null, h("button", { type: "button", class: "link", onclick: () => choosePerson("system", "") }, t("audit.choose", { name: t("audit.personSystem") }))));
    matches.replaceChildren(...(items.length ? items : [h("li", null, t("audit.noMatch"))]));
  }, 300);
  person.addEventListener("input", findPeople);
  if (state.actorId && state.actorId !== "system" && can("staff.read")) {
    api.get(`/staff/${state.actorId}`).then((res) => {
      if (res.ok && alive) {
        personName = displayName(res.data);
        showChosen();
      }
    });
  }
  showChosen();

  // --- the other filters ---------------------------------------------------------------
  targetType.addEventListener("change", () => {
    state.targetType = targetType.value;
    targetId.disabled = !state.targetType;
    if (!state.targetType) {
      targetId.value = "";
      state.targetId = "";
    }
    go();
  });
  targetId.addEventListener("change", () => {
    state.targetId = /^[0-9A-Za-z_-]{1,100}$/.test(targetId.value.trim()) ? targetId.value.trim() : "";
    go();
  });
  action.addEventListener("change", () => { state.action = action.value; go(); });
  const setRange = () => {
    const f = fromLocalInput(from.value);
    const u = fromLocalInput(to.value);
    if (f && u && f > u) {
      rangeError.textContent = t("audit.badRange");
      to.setAttribute("aria-invalid", "true");
      return;
    }
    rangeError.textContent = "";
    to.removeAttribute("aria-invalid");
    state.from = f;
    state.to = u;
    go();
  };
  from.addEventListener("change", setRange);
  to.addEventListener("change", setRange);
  clear.addEventListener("click", () => {
    Object.assign(state, { actorId: "", targetType: "", targetId: "", action: "", from: "", to: "" });
    personName = "";
    targetType.value = action.value = from.value = to.value = targetId.value = "";
    targetId.disabled = true;
    showChosen();
    go();
  });

  // --- the events -------------------------------------------------------------------------
  // The arrow keys on a select choose each option on the way: only the
  // answer to the latest load is shown, not one that comes in late.
  let loads = 0;
  async function load() {
    const mine = ++loads;
    events.setAttribute("aria-busy", "true");
    // A "from" in the future without "until" is an empty page to the API.
    const res = await api.get("/audit", auditApiQuery(state));
    if (!alive || mine !== loads) return;
    events.setAttribute("aria-busy", "false");
    if (!res.ok) {
      if (res.problem && res.problem.code === "invalid_cursor") {
        state.cursor = "";
        setAddress(base + auditQuery(state), true);
        await load();
        return toast(t("error.invalid_cursor"));
      }
      return failure(alertEl, res, { retry: load });
    }
    showAlert(alertEl, "");
    events.replaceChildren(...res.data.items.map(event));
    if (!res.data.items.length) events.append(h("li", { class: "empty" }, t("audit.empty")));
    countEl.textContent = t("list.count", { n: res.data.items.length });
    firstButton.hidden = !state.cursor;
    firstButton.href = base + auditQuery({ ...state, cursor: "" });
    nextButton.hidden = !res.data.nextCursor;
    if (res.data.nextCursor) nextButton.href = base + auditQuery({ ...state, cursor: res.data.nextCursor });
  }

  function event(e) {
    const who = e.actor.id === "system" ? t("audit.personSystem") : e.actor.email || t("audit.anonymous");
    const changes = Object.entries(e.changes || {});
    const type = has("target." + e.targetType) ? t("target." + e.targetType) : e.targetType;
    const filterBy = [];
    if (e.actor.id && e.actor.id !== state.actorId) {
      filterBy.push(h("button", { type: "button", class: "link", dataset: { filter: "actor" }, onclick: () => choosePerson(e.actor.id, e.actor.id === "system" ? "" : e.actor.email) }, t("audit.byPerson", { name: who })));
    }
    if (AUDIT_TARGETS.includes(e.targetType) && !(state.targetType === e.targetType && state.targetId === e.targetId)) {
      filterBy.push(h("button", { type: "button", class: "link", dataset: { filter: "target" }, onclick: () => {
        state.targetType = e.targetType;
        state.targetId = e.targetId;
        targetType.value = e.targetType;
        targetId.value = e.targetId;
        targetId.disabled = false;
        go();
        targetType.focus(); // the events, this button with them, are drawn again
      } }, t("audit.onTarget", { type })));
    }
    return h("li", { class: "event", dataset: { id: e.id, action: e.action } },
      h("div", { class: "event-head" },
        h("time", { datetime: e.at }, formatDate(e.at)),
        h("strong", { class: "event-action" }, actionText(e.action)),
        h("span", null, type + " ", h("code", null, e.targetId))),
      h("p", { class: "event-summary" }, e.summary),
      h("p", { class: "hint" }, t("audit.who") + ": " + who + (e.requestId ? " · " + t("audit.request", { id: e.requestId }) : "")),
      changes.length ? h("details", { class: "changes" },
        h("summary", null, plural("audit.changes", changes.length)),
        h("table", { class: "list compact" },
          h("thead", null, h("tr", null, h("th", { scope: "col" }, t("audit.field")), h("th", { scope: "col" }, t("audit.before")), h("th", { scope: "col" }, t("audit.after")))),
          h("tbody", null, changes.map(([k, c]) => h("tr", null,
            h("th", { scope: "row" }, k),
            h("td", { class: "before", dataset: { label: t("audit.before") } }, valueText(c.before)),
            h("td", { class: "after", dataset: { label: t("audit.after") } }, valueText(c.after))))))) : null,
      filterBy.length ? h("p", { class: "event-filters" }, filterBy) : null);
  }

  await load();
  return () => { alive = false; };
}
