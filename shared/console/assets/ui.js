// Small DOM helpers shared by the views: building elements, dialogs (native
// <dialog>, focus in and back), messages, field errors and the sentences
// for API problems.
import { t, has, plural, formatDate, formatNumber } from "./i18n.js";
import * as api from "./api.js";
import { readListState, listQuery, apiQuery, PERSON_STATUSES } from "./state.js";

const { retryAfter } = api;

// h builds an element: h("button", {type: "button", onclick: f}, "text").
// Text is always set as text, never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "selected" || k === "checked") {
      el.toggleAttribute(k, true);
      el[k] = true;
    }
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return prefix + "-" + uid;
}

// problemText is the sentence for an answer that failed.
export function problemText(res) {
  if (res.status === 0) return t("error.network");
  const p = res.problem || {};
  let text;
  if (p.code === "rate_limited" || res.status === 429) {
    text = t("error.rate_limited", { seconds: retryAfter(res) });
  } else if (p.code && has("error." + p.code)) {
    text = t("error." + p.code);
  } else {
    text = t("error.generic", { status: res.status });
  }
  if (res.status >= 500 && res.requestId) text += " " + t("error.reference", { id: res.requestId });
  return text;
}

// field builds a labelled input with a hint and an error line.
export function field(opts) {
  const id = opts.id || nextId("f");
  const describedBy = [opts.hint ? id + "-hint" : "", id + "-error"].filter(Boolean).join(" ");
  let input;
  if (opts.type === "select") {
    input = h("select", { id, name: opts.name, "aria-describedby": describedBy, disabled: opts.disabled },
      (opts.options || []).map((o) => h("option", { value: o.value, selected: o.value === opts.value }, o.label)));
  } else {
    input = h("input", {
      id, name: opts.name, type: opts.type || "text", value: opts.value ?? "",
      autocomplete: opts.autocomplete || "off", required: opts.required, readOnly: opts.readonly,
      maxLength: opts.maxlength, minLength: opts.minlength, "aria-describedby": describedBy,
      inputMode: opts.inputmode, spellcheck: opts.spellcheck
    });
  }
  return h("div", { class: "field", dataset: { field: opts.name } },
    h("label", { for: id }, opts.label),
    input,
    opts.hint ? h("p", { id: id + "-hint", class: "hint" }, opts.hint) : null,
    h("p", { id: id + "-error", class: "error" }));
}

export function setFieldError(form, name, text) {
  const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const line = box && box.querySelector(".error");
  if (!line) return false;
  // A group (the role editor's permissions) has no single input to mark.
  const input = box.querySelector("input, select, textarea");
  line.textContent = text || "";
  if (input && text) input.setAttribute("aria-invalid", "true");
  else if (input) input.removeAttribute("aria-invalid");
  return true;
}

export function clearFieldErrors(form) {
  for (const box of form.querySelectorAll("[data-field]")) setFieldError(form, box.dataset.field, "");
}

// fieldErrorText is the sentence for one field error of a 422 in the
// person's language: by its code (an invalid_format by its format, when
// known) with its parameters; the API's English message only for a code
// this console does not know.
export function fieldErrorText(e) {
  if (!e || !e.code || !has("fieldError." + e.code)) return (e && e.message) || "";
  const byFormat = "fieldError.format." + e.format;
  const key = e.code === "invalid_format" && e.format && has(byFormat) ? byFormat : "fieldError." + e.code;
  const num = (n) => (typeof n === "number" ? formatNumber(n) : "");
  return t(key, { min: num(e.min), max: num(e.max), allowed: (e.allowed || []).join(", ") });
}

// showProblem puts field errors next to their fields and the sentence in
// the form's alert; fields the form lacks are listed in the alert.
export function showProblem(form, res, alertEl) {
  clearFieldErrors(form);
  const extra = [];
  const errors = (res.problem && res.problem.errors) || [];
  for (const e of errors) {
    const text = fieldErrorText(e);
    if (!setFieldError(form, e.field, text)) extra.push(e.field + ": " + text);
  }
  const text = errors.length ? t("error.fieldsBelow") : problemText(res);
  showAlert(alertEl, text, extra);
  if (res.status === 429) cooldown(form.querySelector("button[type=submit]"), retryAfter(res));
  const first = form.querySelector('[aria-invalid="true"]');
  (first || alertEl).focus();
}

// saveFailed shows why a save failed: a 412 offers a reload (someone else
// changed it), a network failure a retry, the rest as showProblem does.
export function saveFailed(form, res, alertEl, { reload, retry } = {}) {
  if ((res.status === 412 && reload) || (res.status === 0 && retry)) {
    const actions = res.status === 412 ? [{ label: t("reload"), run: reload }] : [{ label: t("retry"), run: retry }];
    clearFieldErrors(form);
    showAlert(alertEl, problemText(res), [], actions);
    return alertEl.focus();
  }
  showProblem(form, res, alertEl);
}

// cooldown keeps a button disabled for the seconds a 429 asked to wait,
// saying so on the button.
export function cooldown(button, seconds) {
  if (!button) return;
  if (!button.dataset.label) button.dataset.label = button.textContent;
  let left = Math.max(1, seconds);
  const tick = () => {
    if (left <= 0 || !button.isConnected) {
      button.disabled = false;
      button.textContent = button.dataset.label;
      return;
    }
    button.disabled = true;
    button.textContent = t("cooldown", { seconds: left });
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

// showAlert fills an alert box; actions are buttons shown inside it.
export function showAlert(el, text, items, actions) {
  el.replaceChildren();
  if (!text) return;
  el.append(h("p", null, text));
  if (items && items.length) el.append(h("ul", null, items.map((i) => h("li", null, i))));
  if (actions && actions.length) {
    el.append(h("div", { class: "actions" }, actions.map((a) => h("button", { type: "button", class: "secondary", onclick: a.run }, a.label))));
  }
}

// failure shows a failed answer with what can be done about it: a retry
// after a network failure, a reload after a 412.
export function failure(el, res, { retry, reload } = {}) {
  const actions = [];
  if (res.status === 0 && retry) actions.push({ label: t("retry"), run: retry });
  if (res.status === 412 && reload) actions.push({ label: t("reload"), run: reload });
  showAlert(el, problemText(res), [], actions);
  el.focus();
}

// textarea builds a labelled multi-line field like field() does.
export function textarea(opts) {
  const id = opts.id || nextId("f");
  const describedBy = [opts.hint ? id + "-hint" : "", id + "-error"].filter(Boolean).join(" ");
  const input = h("textarea", { id, name: opts.name, rows: opts.rows || 3, maxLength: opts.maxlength, readOnly: opts.readonly, "aria-describedby": describedBy });
  input.value = opts.value ?? "";
  return h("div", { class: "field", dataset: { field: opts.name } },
    h("label", { for: id }, opts.label),
    input,
    opts.hint ? h("p", { id: id + "-hint", class: "hint" }, opts.hint) : null,
    h("p", { id: id + "-error", class: "error" }));
}

// checkbox builds a labelled checkbox (a switch with role=switch).
export function checkbox(opts) {
  const id = opts.id || nextId("c");
  const box = h("input", { type: "checkbox", id, name: opts.name, value: opts.value, checked: !!opts.checked, disabled: opts.disabled,
    role: opts.switch ? "switch" : null, "aria-describedby": opts.hint ? id + "-hint" : null });
  return h("div", { class: "check" + (opts.switch ? " switch" : ""), dataset: opts.name ? { field: opts.name } : null },
    box, h("label", { for: id }, opts.label),
    opts.hint ? h("p", { id: id + "-hint", class: "hint" }, opts.hint) : null);
}

// toast announces a finished action politely. While a modal dialog is open
// everything outside it is inert (not shown above the backdrop, not
// announced), so the notice goes to the dialog's own live region.
export function toast(text) {
  const dialogs = document.querySelectorAll("dialog[open]");
  const top = dialogs[dialogs.length - 1];
  const el = (top && top.querySelector(":scope > .toast")) || document.getElementById("toast");
  if (!el) return;
  el.textContent = "";
  // A new node each time, so screen readers announce repeated texts.
  el.append(h("p", null, text));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.replaceChildren(), 6000);
}

// openDialog shows a modal <dialog> built by the caller, moves focus into
// it and back to where it was once it closes; it is removed afterwards.
export function openDialog(dialog, focusTarget) {
  const before = document.activeElement;
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    dialog.remove();
    const back = dialog.returnFocus || before;
    if (back && back.isConnected && typeof back.focus === "function") back.focus();
  }, { once: true });
  dialog.showModal();
  const first = focusTarget || dialog.querySelector("[autofocus], input:not([readonly]), select, textarea, button:not(.close)");
  if (first) first.focus();
  return dialog;
}

// dialogShell is a dialog with a heading, a close button and a body.
export function dialogShell(title, { wide } = {}) {
  const headingId = nextId("dlg");
  const dialog = h("dialog", { class: wide ? "panel" : "", "aria-labelledby": headingId });
  const close = h("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => dialog.close("cancel") }, "×");
  const body = h("div", { class: "dialog-body" });
  // The live region exists before a notice is put in it, or it is not announced.
  const notices = h("div", { class: "toast", role: "status", "aria-live": "polite" });
  dialog.append(h("div", { class: "dialog-head" }, h("h2", { id: headingId }, title), close), body, notices);
  return { dialog, body };
}

// confirmDialog asks a yes/no question; resolves true only on confirm.
export function confirmDialog({ title, text, confirmLabel, cancelLabel, danger }) {
  return new Promise((resolve) => {
    const { dialog, body } = dialogShell(title);
    dialog.setAttribute("role", "alertdialog");
    const textId = nextId("txt");
    dialog.setAttribute("aria-describedby", textId);
    let answer = false;
    const cancel = h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, cancelLabel || t("cancel"));
    const ok = h("button", { type: "button", class: danger ? "danger" : "primary", onclick: () => { answer = true; dialog.close(); } }, confirmLabel || t("confirm"));
    body.append(h("p", { id: textId }, text), h("div", { class: "actions" }, cancel, ok));
    dialog.addEventListener("close", () => resolve(answer), { once: true });
    // The safe choice has the focus: Enter does not confirm by accident.
    openDialog(dialog, cancel);
  });
}

// setBusy disables a submit button while a request runs.
export function setBusy(button, busy) {
  if (!button.dataset.label) button.dataset.label = button.textContent;
  button.disabled = busy;
  button.textContent = busy ? t("busy") : button.dataset.label;
}

// debounce calls fn once the calls stop for ms.
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// popup wires a disclosure button to a popup list: Escape and a click
// elsewhere close it, focus returns to the button.
export function popup(button, list) {
  const close = (focus) => {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("click", outside, true);
    if (focus) button.focus();
  };
  const outside = (e) => {
    if (!list.contains(e.target) && e.target !== button && !button.contains(e.target)) close(false);
  };
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", () => {
    if (!list.hidden) return close(false);
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("click", outside, true);
    const first = list.querySelector("button, select, a");
    if (first) first.focus();
  });
  list.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close(true);
    }
  });
  list.addEventListener("focusout", (e) => {
    if (e.relatedTarget && !list.contains(e.relatedTarget) && e.relatedTarget !== button) close(false);
  });
  return close;
}

// --- list screens ---------------------------------------------------------------

// tabs links the screens of one section; items are {href, label, current}.
export function tabs(label, items) {
  return h("nav", { class: "tabs", "aria-label": label },
    h("ul", null, items.map((i) => h("li", null, h("a", { href: i.href, "aria-current": i.current ? "page" : null }, i.label)))));
}

// rowMenu is a row's options button with its popup list of actions
// ([label, run, action] each); the focus goes back to the button first.
export function rowMenu(name, entries) {
  const button = h("button", { type: "button", class: "icon", "aria-label": t("options.for", { name }), "aria-haspopup": "true" }, "⋯");
  const menu = h("ul", { class: "menu", hidden: true });
  const close = popup(button, menu);
  for (const [label, run, action] of entries) {
    menu.append(h("li", null, h("button", { type: "button", dataset: { action }, onclick: () => { close(false); button.focus(); run(); } }, label)));
  }
  return h("div", { class: "row-options" }, button, menu);
}

// setAddress puts a screen's state into the address bar: pushed for a
// choice (back undoes it), replaced while typing.
export function setAddress(url, replace) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
}

export function statusBadge(status) {
  return h("span", { class: "badge " + status }, t("status." + status));
}

export function displayName(p) {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ");
  return name || p.email;
}

// resultsDialog lists a bulk action's result per person; returnFocus is
// where the focus goes once it closes (the button that started the action
// may be gone by then).
export function resultsDialog(title, items, returnFocus) {
  const { dialog, body } = dialogShell(title);
  dialog.returnFocus = returnFocus;
  body.append(h("ul", { class: "results" }, items.map((i) => h("li", { class: i.status, dataset: { id: i.id } }, h("strong", null, i.name), " — ", i.text))),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("close"))));
  openDialog(dialog);
}

// facts is a definition list of [term, value] pairs (null ones left out).
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

// panelRefresh gives a person's detail panel its two ways to draw again from
// the API: show(next, message, after) after an action on the pending address
// (next is the person the API answered, or null to read them again; after
// names what gets the focus) and reload() after a 412. set keeps the person,
// fill draws the panel, reloadList brings the list behind it up to date.
export function panelRefresh({ path, dialog, form, alertBox, statusBox, set, fill, reloadList }) {
  const read = async (retry) => {
    const res = await api.get(path);
    if (res.ok) return res.data;
    failure(alertBox, res, { retry });
    return null;
  };
  const draw = (p, message) => {
    set(p);
    showAlert(alertBox, "");
    fill();
    statusBox.replaceChildren(...(message ? [h("p", null, message)] : []));
  };
  const show = async (next, message, after) => {
    if (!next && !(next = await read(() => show(null, message, after)))) return;
    draw(next, message);
    const focus = after === "resend" ? dialog.querySelector("[data-action=resend-email]") : after === "saved" ? dialog.querySelector("#pending-email h3") : form.elements.email;
    if (focus) focus.focus();
    reloadList();
  };
  const reload = async () => {
    const p = await read(reload);
    if (!p) return;
    draw(p, "");
    form.querySelector("input").focus();
  };
  return { show, reload };
}

// pendingEmail shows a person's change of sign-in address that waits for
// the new address's confirmation (p.pendingEmail; null when there is none):
// the address, when its link was sent and until when it works (or that it
// expired) and, for whoever may edit the person, sending the link again and
// cancelling the change (after a question). path is the person's API path;
// show(person, message) draws the panel again after an action: with the
// person the API answered, or null to read them again.
export function pendingEmail(p, { path, mayEdit, alertBox, show }) {
  const pe = p.pendingEmail;
  if (!pe) return null;
  const headingId = nextId("pe");
  const section = h("section", { class: "note pending-email", id: "pending-email", "aria-labelledby": headingId },
    h("h3", { id: headingId, tabindex: "-1" }, t("pending.title")),
    h("p", null, t("pending.text", { email: pe.email, current: p.email })),
    facts([
      [t("pending.sentAt"), formatDate(pe.sentAt)],
      [t(pe.expired ? "pending.expiredAt" : "pending.expiresAt"), formatDate(pe.expiresAt)]
    ]),
    pe.expired ? h("p", { class: "warning" }, t("pending.expired")) : null);
  if (!mayEdit) return section;

  const resend = h("button", { type: "button", class: "secondary", dataset: { action: "resend-email" } }, t("pending.resend"));
  const cancel = h("button", { type: "button", class: "secondary", dataset: { action: "cancel-email" } }, t("pending.cancel"));
  const send = async () => {
    showAlert(alertBox, "");
    setBusy(resend, true);
    // If-Match: a retry after a lost answer does not mail a third link.
    const res = await api.request("POST", path + "/email-change/resend", { headers: api.ifMatch(p.version) });
    setBusy(resend, false);
    if (!res.ok) return failure(alertBox, res, { retry: send, reload: () => show(null) });
    show(null, t("pending.resent", { email: pe.email, date: formatDate(res.data && res.data.expiresAt) }), "resend");
  };
  resend.addEventListener("click", send);
  cancel.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: t("pending.cancelTitle"),
      text: t("pending.cancelText", { email: pe.email, current: p.email }),
      confirmLabel: t("pending.cancel"),
      cancelLabel: t("pending.keep"),
      danger: true
    });
    if (ok) drop();
  });
  const drop = async () => {
    showAlert(alertBox, "");
    setBusy(cancel, true);
    const res = await api.request("DELETE", path + "/email-change", { headers: api.ifMatch(p.version) });
    setBusy(cancel, false);
    if (!res.ok) return failure(alertBox, res, { retry: drop, reload: () => show(null) });
    show(res.data, t("pending.cancelled", { email: pe.email }), "cancel");
  };
  section.append(h("div", { class: "actions" }, resend, cancel));
  return section;
}

// invitationFacts describe a person's dates and pending invitation.
export function personFacts(p) {
  return [
    [t("status"), statusBadge(p.status)],
    [t("people.createdAt"), formatDate(p.createdAt)],
    [t("people.lastLogin"), p.lastLoginAt ? formatDate(p.lastLoginAt) : t("people.never")],
    p.invitation ? [t("status.invited"), t(p.invitation.expired ? "people.invitationExpired" : "people.invitationUntil", { date: formatDate(p.invitation.expiresAt) })] : null
  ];
}

// focusInRows remembers which control of which row (an element with
// data-id) has the focus, so that after the rows are drawn again (a dialog
// it opened closed, the list reloaded) the same control of the same row
// gets it back; when the row is gone, fallback does. controls selects a
// row's own controls. A control with a label is found by it, the others by
// their place: a row can gain a control before it (a category its first
// subcategory, and with it a button to collapse them).
export function focusInRows(container, controls = "button, input, a") {
  const active = document.activeElement;
  const row = active && container.contains(active) ? active.closest("[data-id]") : null;
  if (!row) return () => {};
  const which = [...row.querySelectorAll(controls)].indexOf(active);
  const label = active.getAttribute("aria-label");
  return (fallback) => {
    const again = container.querySelector(`[data-id="${CSS.escape(row.dataset.id)}"]`);
    const all = again ? [...again.querySelectorAll(controls)] : [];
    const el = (label && all.find((c) => c.getAttribute("aria-label") === label)) || all[which];
    if (el) el.focus();
    else if (fallback) {
      fallback.tabIndex = -1;
      fallback.focus();
    }
  };
}

// peopleList is the table screen staff and customers share: search
// (debounced), status filter, sort (off while searching), pages with the
// API's cursors, all of it in the address; a selection gets password reset
// mails with a result per person; each row's options edit, resend an
// invitation, deactivate, activate or delete, each change after a question.
//
// spec: kind ("staff", "customers": texts, element ids), path (the API
// route), list (state.js list spec), sorts, perms ({reset, resend,
// deactivate, delete}: permission keys), columns ([{label, cell(p)}] after
// name and email), filters (extra filter fields, given the state and go),
// notes (shown under the filters), add (the add button's action),
// detail(id) (the detail panel), protect(p) (true: no status or delete
// actions, e.g. one's own account).
export function peopleList(ctx, spec) {
  const { root, can, base } = ctx;
  const { kind } = spec;
  const tk = (key, vars) => t(has(kind + "." + key) ? kind + "." + key : "people." + key, vars);
  const state = readListState(ctx.params, spec.list);
  const selected = new Map(); // id → person
  let items = [];
  let alive = true;

  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, tk("title"));

  // Controls.
  const searchId = nextId("q");
  const search = h("input", { id: searchId, type: "search", value: state.q, maxLength: 100, autocomplete: "off", "aria-describedby": searchId + "-hint" });
  const statusId = nextId("status");
  const status = h("select", { id: statusId },
    h("option", { value: "" }, t("list.all")),
    PERSON_STATUSES.map((s) => h("option", { value: s, selected: s === state.status }, t("status." + s))));
  const sortId = nextId("sort");
  const sort = h("select", { id: sortId, "aria-describedby": sortId + "-note" },
    spec.list.sorts.map((s) => h("option", { value: s, selected: s === state.sort + "." + state.order }, t("sort." + s))));
  const sortNote = h("p", { id: sortId + "-note", class: "hint" });
  const filters = h("div", { class: "filters" },
    h("div", { class: "field grow" }, h("label", { for: searchId }, t("list.search")), search, h("p", { id: searchId + "-hint", class: "hint" }, tk("searchHint"))),
    h("div", { class: "field" }, h("label", { for: statusId }, t("status")), status),
    spec.filters ? spec.filters(state, () => { state.cursor = ""; go(); }) : null,
    h("div", { class: "field" }, h("label", { for: sortId }, t("list.sort")), sort, sortNote));
  const addButton = spec.add ? h("button", { type: "button", class: "primary", id: kind + "-add", onclick: () => spec.add() }, tk("add")) : null;

  // The selection's bar.
  const mayReset = can(spec.perms.reset);
  const selectedText = h("span", { role: "status" });
  const resetButton = h("button", { type: "button", class: "secondary", id: kind + "-reset", onclick: () => resetSelected() }, tk("resetSelected"));
  const bulk = h("div", { class: "bulk", hidden: true }, selectedText, resetButton);

  // The table.
  const selectAll = h("input", { type: "checkbox", id: nextId("all"), "aria-label": tk("selectAll") });
  const tbody = h("tbody");
  const colCount = 3 + spec.columns.length + (mayReset ? 1 : 0);
  const table = h("table", { class: "list" },
    h("caption", { class: "visually-hidden" }, tk("title")),
    h("thead", null, h("tr", null,
      mayReset ? h("th", { scope: "col", class: "select" }, selectAll) : null,
      h("th", { scope: "col" }, t("name")),
      h("th", { scope: "col" }, t("email")),
      spec.columns.map((c) => h("th", { scope: "col" }, c.label)),
      h("th", { scope: "col", class: "options" }, h("span", { class: "visually-hidden" }, t("options"))))),
    tbody);
  const countEl = h("p", { class: "hint", role: "status" });
  const firstButton = h("a", { class: "button secondary", href: base + listQuery({ ...state, cursor: "" }, spec.list) }, t("list.first"));
  const nextButton = h("a", { class: "button secondary", id: kind + "-next" }, t("list.next"));
  const pager = h("div", { class: "pager" }, countEl, firstButton, nextButton);

  root.replaceChildren(h("section", { class: "screen" },
    ctx.tabs || null,
    h("div", { class: "screen-head" }, heading, addButton),
    alertEl, filters, ...(spec.notes || []), bulk, h("div", { class: "table-wrap" }, table), pager));

  // The state in the address.
  function go({ replace } = {}) {
    setAddress(base + listQuery(state, spec.list), replace);
    return load();
  }
  function syncSortControl() {
    sort.disabled = !!state.q;
    sortNote.textContent = state.q ? t("list.sortOff") : "";
  }
  const searchNow = debounce(() => {
    const q = search.value.trim().slice(0, 100);
    if (q === state.q) return;
    state.q = q;
    state.cursor = "";
    syncSortControl();
    go({ replace: true });
  }, 300);
  search.addEventListener("input", searchNow);
  status.addEventListener("change", () => { state.status = status.value; state.cursor = ""; go(); });
  sort.addEventListener("change", () => { [state.sort, state.order] = sort.value.split("."); state.cursor = ""; go(); });
  selectAll.addEventListener("change", () => {
    for (const p of items) {
      if (selectAll.checked) selected.set(p.id, p);
      else selected.delete(p.id);
    }
    for (const box of tbody.querySelectorAll("input[type=checkbox]")) box.checked = selectAll.checked;
    syncBulk();
  });
  syncSortControl();

  function syncBulk() {
    bulk.hidden = !mayReset || selected.size === 0;
    selectedText.textContent = t("list.selected", { n: selected.size });
    selectAll.checked = items.length > 0 && items.every((p) => selected.has(p.id));
  }

  // Filters change faster than answers come (the arrow keys on a select
  // choose each option on the way): only the latest load's answer is shown.
  let loads = 0;
  async function load() {
    const mine = ++loads;
    table.setAttribute("aria-busy", "true");
    const res = await api.get(spec.path, apiQuery(state));
    if (!alive || mine !== loads) return;
    table.setAttribute("aria-busy", "false");
    if (!res.ok) {
      if (res.problem && res.problem.code === "invalid_cursor") {
        state.cursor = "";
        await go({ replace: true });
        return toast(t("error.invalid_cursor"));
      }
      return failure(alertEl, res, { retry: load });
    }
    showAlert(alertEl, "");
    items = res.data.items;
    const keep = focusInRows(tbody);
    tbody.replaceChildren(...items.map(row));
    keep(heading);
    if (!items.length) tbody.append(h("tr", null, h("td", { colspan: colCount, class: "empty" }, tk("empty"))));
    countEl.textContent = t("list.count", { n: items.length });
    firstButton.hidden = !state.cursor;
    firstButton.href = base + listQuery({ ...state, cursor: "" }, spec.list);
    nextButton.hidden = !res.data.nextCursor;
    if (res.data.nextCursor) nextButton.href = base + listQuery({ ...state, cursor: res.data.nextCursor }, spec.list);
    syncBulk();
  }

  function row(p) {
    const name = displayName(p);
    const cells = [];
    if (mayReset) {
      const box = h("input", { type: "checkbox", "aria-label": t("list.select", { name }), checked: selected.has(p.id) });
      box.addEventListener("change", () => {
        if (box.checked) selected.set(p.id, p);
        else selected.delete(p.id);
        syncBulk();
      });
      cells.push(h("td", { class: "select" }, box));
    }
    cells.push(
      h("td", { dataset: { label: t("name") } }, h("button", { type: "button", class: "link", onclick: () => spec.detail(p.id) }, name)),
      h("td", { dataset: { label: t("email") } }, p.email),
      spec.columns.map((c) => h("td", { dataset: { label: c.label } }, c.cell(p))),
      h("td", { class: "options" }, rowMenu(name, options(p))));
    return h("tr", { dataset: { id: p.id } }, ...cells);
  }

  function options(p) {
    const guarded = spec.protect && spec.protect(p);
    const entries = [[tk("edit"), () => spec.detail(p.id), "edit"]];
    if (p.status === "invited" && can(spec.perms.resend)) entries.push([tk("resend"), () => resend(p), "resend"]);
    if (p.status === "active" && can(spec.perms.deactivate) && !guarded) entries.push([tk("deactivate"), () => setStatus(p, "deactivate"), "deactivate"]);
    if (p.status === "inactive" && can(spec.perms.deactivate) && !guarded) entries.push([tk("activate"), () => setStatus(p, "activate"), "activate"]);
    if (can(spec.perms.delete) && !guarded) entries.push([tk("delete"), () => remove(p), "delete"]);
    return entries;
  }

  // Actions, each after a question where it changes something.
  async function setStatus(p, action) {
    const name = displayName(p);
    const ok = await confirmDialog({ title: tk(action + "Title", { name }), text: tk(action + "Text", { name }), confirmLabel: tk(action), danger: action === "deactivate" });
    if (!ok) return;
    const res = await api.request("POST", `${spec.path}/${p.id}/${action}`, { headers: api.ifMatch(p.version) });
    if (!res.ok) return failure(alertEl, res, { retry: () => setStatus(p, action), reload: load });
    await load();
    toast(tk(action === "deactivate" ? "deactivated" : "activated", { name }));
  }

  async function remove(p) {
    const name = displayName(p);
    const ok = await confirmDialog({ title: tk("deleteTitle", { name }), text: tk("deleteText", { name }), confirmLabel: tk("delete"), danger: true });
    if (!ok) return;
    const res = await api.request("DELETE", `${spec.path}/${p.id}`, { headers: api.ifMatch(p.version) });
    if (!res.ok) return failure(alertEl, res, { retry: () => remove(p), reload: load });
    selected.delete(p.id);
    await load();
    toast(tk("deleted", { name }));
  }

  async function resend(p) {
    const key = api.idempotencyKey();
    const send = async () => {
      const res = await api.request("POST", `${spec.path}/${p.id}/invitation`, { headers: key });
      if (!res.ok) return failure(alertEl, res, { retry: send });
      await load();
      toast(tk("resent", { email: p.email }));
    };
    send();
  }

  async function resetSelected() {
    const people = [...selected.values()];
    const ok = await confirmDialog({ title: tk("resetConfirmTitle"), text: plural(has(kind + ".resetConfirmText") ? kind + ".resetConfirmText" : "people.resetConfirmText", people.length), confirmLabel: tk("resetSend") });
    if (!ok) return;
    const key = api.idempotencyKey(); // the same key on a retry: nobody is mailed twice
    const send = async () => {
      setBusy(resetButton, true);
      const res = await api.request("POST", spec.path + "/password-resets", { body: { ids: people.map((p) => p.id) }, headers: key });
      setBusy(resetButton, false);
      if (!res.ok) return failure(alertEl, res, { retry: send });
      const byId = new Map(people.map((p) => [p.id, p]));
      selected.clear();
      for (const box of tbody.querySelectorAll("input[type=checkbox]")) box.checked = false;
      syncBulk();
      // A reset moves each person's version on: the rows are read again, or
      // their next action (deactivate, delete) meets a 412.
      await load();
      // The reset button goes with the selection: back to "select all".
      resultsDialog(tk("resetResults"), res.data.results.map((r) => {
        const p = byId.get(r.id);
        return { id: r.id, status: r.status, name: p ? displayName(p) : r.id, text: r.status === "queued" ? tk("reset.queued") : tk("reset." + (r.reason || "not_found")) };
      }), selectAll);
    };
    send();
  }

  return {
    load, alertEl, state,
    cleanup: () => { alive = false; }
  };
}
