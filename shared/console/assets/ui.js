// Small DOM helpers shared by the views: building elements, dialogs (native
// <dialog>, focus in and back), messages, field errors and the sentences
// for API problems.
import { t, has } from "./i18n.js";
import { retryAfter } from "./api.js";

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
  if (!box) return false;
  const input = box.querySelector("input, select, textarea");
  box.querySelector(".error").textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

export function clearFieldErrors(form) {
  for (const box of form.querySelectorAll("[data-field]")) setFieldError(form, box.dataset.field, "");
}

// showProblem puts field errors next to their fields and the sentence in
// the form's alert; fields the form lacks are listed in the alert.
export function showProblem(form, res, alertEl) {
  clearFieldErrors(form);
  const extra = [];
  const errors = (res.problem && res.problem.errors) || [];
  for (const e of errors) {
    if (!setFieldError(form, e.field, e.message)) extra.push(e.field + ": " + e.message);
  }
  const text = errors.length ? t("error.fieldsBelow") : problemText(res);
  showAlert(alertEl, text, extra);
  const first = form.querySelector('[aria-invalid="true"]');
  (first || alertEl).focus();
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

// toast announces a finished action politely.
export function toast(text) {
  const el = document.getElementById("toast");
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
  dialog.append(h("div", { class: "dialog-head" }, h("h2", { id: headingId }, title), close), body);
  return { dialog, body };
}

// confirmDialog asks a yes/no question; resolves true only on confirm.
export function confirmDialog({ title, text, confirmLabel, danger }) {
  return new Promise((resolve) => {
    const { dialog, body } = dialogShell(title);
    dialog.setAttribute("role", "alertdialog");
    const textId = nextId("txt");
    dialog.setAttribute("aria-describedby", textId);
    let answer = false;
    const cancel = h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel"));
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
