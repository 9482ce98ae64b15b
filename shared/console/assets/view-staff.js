// Users → Staff: the table (filter by status and role, sort by name or
// email, search, pages), invitations with the seat cost, row options
// (edit, resend, deactivate, activate, delete), the detail panel and
// password reset mails for a selection.
import * as api from "./api.js";
import { t, formatDate, formatMoney, LANGUAGES } from "./i18n.js";
import { h, field, nextId, showProblem, showAlert, failure, problemText, toast, openDialog, dialogShell, confirmDialog, setBusy, debounce, popup, clearFieldErrors, setFieldError } from "./ui.js";
import { readListState, listQuery, apiQuery, seatNote, STAFF_STATUSES, STAFF_SORTS } from "./state.js";

export function displayName(p) {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ");
  return name || p.email;
}

export async function render(ctx) {
  const { root, me, can, base } = ctx;
  const state = readListState(ctx.params);
  const selected = new Map(); // id → person
  let roles = null; // [{id, name}] when the person may read roles
  let items = [];
  let alive = true;

  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, t("staff.title"));
  const tabs = h("nav", { class: "tabs", "aria-label": t("users.tabs") },
    h("ul", null, h("li", null, h("a", { href: base, "aria-current": "page" }, t("users.staff")))));

  // --- controls ---------------------------------------------------------------
  const searchId = nextId("q");
  const search = h("input", { id: searchId, type: "search", value: state.q, maxLength: 100, autocomplete: "off", "aria-describedby": searchId + "-hint" });
  const statusId = nextId("status");
  const status = h("select", { id: statusId },
    h("option", { value: "" }, t("staff.all")),
    STAFF_STATUSES.map((s) => h("option", { value: s, selected: s === state.status }, t("status." + s))));
  const roleId = nextId("role");
  const role = h("select", { id: roleId }, h("option", { value: "" }, t("staff.allRoles")));
  const sortId = nextId("sort");
  const sort = h("select", { id: sortId, "aria-describedby": sortId + "-note" },
    STAFF_SORTS.map((s) => h("option", { value: s, selected: s === state.sort + "." + state.order }, t("staff.sort." + s))));
  const sortNote = h("p", { id: sortId + "-note", class: "hint" });

  const filters = h("div", { class: "filters" },
    h("div", { class: "field grow" }, h("label", { for: searchId }, t("staff.search")), search, h("p", { id: searchId + "-hint", class: "hint" }, t("staff.searchHint"))),
    h("div", { class: "field" }, h("label", { for: statusId }, t("staff.filterStatus")), status),
    can("roles.read") ? h("div", { class: "field" }, h("label", { for: roleId }, t("staff.filterRole")), role) : null,
    h("div", { class: "field" }, h("label", { for: sortId }, t("staff.sort")), sort, sortNote));
  const rolesNote = can("roles.read") ? null : h("p", { class: "hint" }, t("staff.rolesHidden"));

  const addButton = can("staff.invite") ? h("button", { type: "button", class: "primary", id: "staff-add", onclick: () => inviteDialog() }, t("staff.add")) : null;

  // --- bulk bar -------------------------------------------------------------------
  const selectedText = h("span", { role: "status" });
  const resetButton = h("button", { type: "button", class: "secondary", id: "staff-reset", onclick: () => resetSelected() }, t("staff.resetSelected"));
  const bulk = h("div", { class: "bulk", hidden: true }, selectedText, resetButton);
  const mayReset = can("staff.reset_password");

  // --- table -----------------------------------------------------------------------
  const selectAll = h("input", { type: "checkbox", id: nextId("all"), "aria-label": t("staff.selectAll") });
  const tbody = h("tbody");
  const table = h("table", { class: "list" },
    h("caption", { class: "visually-hidden" }, t("staff.title")),
    h("thead", null, h("tr", null,
      mayReset ? h("th", { scope: "col", class: "select" }, selectAll) : null,
      h("th", { scope: "col" }, t("name")),
      h("th", { scope: "col" }, t("email")),
      h("th", { scope: "col" }, t("status")),
      h("th", { scope: "col" }, t("roles")),
      h("th", { scope: "col", class: "options" }, h("span", { class: "visually-hidden" }, t("options"))))),
    tbody);
  const countEl = h("p", { class: "hint", role: "status" });
  const firstButton = h("a", { class: "button secondary", href: base + listQuery({ ...state, cursor: "" }) }, t("staff.first"));
  const nextButton = h("a", { class: "button secondary", id: "staff-next" }, t("staff.next"));
  const pager = h("div", { class: "pager" }, countEl, firstButton, nextButton);

  root.replaceChildren(h("section", { class: "screen" },
    tabs,
    h("div", { class: "screen-head" }, heading, addButton),
    alertEl, filters, rolesNote, bulk, h("div", { class: "table-wrap" }, table), pager));

  // --- state in the address -------------------------------------------------------
  function go({ replace } = {}) {
    const url = base + listQuery(state);
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    load();
  }
  function syncSortControl() {
    const searching = !!state.q;
    sort.disabled = searching;
    sortNote.textContent = searching ? t("staff.sortOff") : "";
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
  role.addEventListener("change", () => { state.roleId = role.value; state.cursor = ""; go(); });
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
    selectedText.textContent = t("staff.selected", { n: selected.size });
    selectAll.checked = items.length > 0 && items.every((p) => selected.has(p.id));
  }

  // --- loading --------------------------------------------------------------------
  let rolesReady = null;
  function loadRoles() {
    rolesReady = rolesReady || fetchRoles();
    return rolesReady;
  }
  async function fetchRoles() {
    if (!can("roles.read")) return;
    const res = await api.get("/roles");
    if (!res.ok || !alive) return;
    roles = res.data.items.map((r) => ({ id: r.id, name: r.name }));
    for (const r of roles) role.append(h("option", { value: r.id, selected: r.id === state.roleId }, r.name));
  }

  async function load() {
    table.setAttribute("aria-busy", "true");
    const res = await api.get("/staff", apiQuery(state));
    if (!alive) return;
    table.setAttribute("aria-busy", "false");
    if (!res.ok) {
      if (res.problem && res.problem.code === "invalid_cursor") {
        state.cursor = "";
        go({ replace: true });
        return toast(t("error.invalid_cursor"));
      }
      return failure(alertEl, res, { retry: load });
    }
    showAlert(alertEl, "");
    items = res.data.items;
    tbody.replaceChildren(...items.map(row));
    if (!items.length) {
      tbody.append(h("tr", null, h("td", { colspan: mayReset ? 6 : 5, class: "empty" }, t("staff.empty"))));
    }
    countEl.textContent = t("staff.count", { n: items.length });
    firstButton.hidden = !state.cursor;
    firstButton.href = base + listQuery({ ...state, cursor: "" });
    nextButton.hidden = !res.data.nextCursor;
    if (res.data.nextCursor) nextButton.href = base + listQuery({ ...state, cursor: res.data.nextCursor });
    syncBulk();
  }

  function row(p) {
    const name = displayName(p);
    const cells = [];
    if (mayReset) {
      const box = h("input", { type: "checkbox", "aria-label": t("staff.select", { name }), checked: selected.has(p.id) });
      box.addEventListener("change", () => {
        if (box.checked) selected.set(p.id, p);
        else selected.delete(p.id);
        syncBulk();
      });
      cells.push(h("td", { class: "select" }, box));
    }
    cells.push(
      h("td", { dataset: { label: t("name") } }, h("button", { type: "button", class: "link", onclick: () => detailPanel(p.id) }, name)),
      h("td", { dataset: { label: t("email") } }, p.email),
      h("td", { dataset: { label: t("status") } }, h("span", { class: "badge " + p.status }, t("status." + p.status))),
      h("td", { dataset: { label: t("roles") } }, p.roles.map((r) => r.name).join(", ") || "–"),
      h("td", { class: "options" }, rowOptions(p, name)));
    return h("tr", { dataset: { id: p.id } }, ...cells);
  }

  function rowOptions(p, name) {
    const self = p.id === me.id;
    const entries = [];
    entries.push([t("staff.edit"), () => detailPanel(p.id), "edit"]);
    if (p.status === "invited" && can("staff.invite")) entries.push([t("staff.resend"), () => resend(p), "resend"]);
    if (p.status === "active" && can("staff.deactivate") && !self) entries.push([t("staff.deactivate"), () => setStatus(p, "deactivate"), "deactivate"]);
    if (p.status === "inactive" && can("staff.deactivate") && !self) entries.push([t("staff.activate"), () => setStatus(p, "activate"), "activate"]);
    if (can("staff.delete") && !self) entries.push([t("staff.delete"), () => remove(p), "delete"]);
    const button = h("button", { type: "button", class: "icon", "aria-label": t("options.for", { name }), "aria-haspopup": "true" }, "⋯");
    const menu = h("ul", { class: "menu", hidden: true });
    const close = popup(button, menu);
    for (const [label, run, action] of entries) {
      menu.append(h("li", null, h("button", { type: "button", dataset: { action }, onclick: () => { close(false); button.focus(); run(); } }, label)));
    }
    return h("div", { class: "row-options" }, button, menu);
  }

  // --- actions --------------------------------------------------------------------------
  async function setStatus(p, action) {
    const name = displayName(p);
    const ok = await confirmDialog({ title: t("staff." + action + "Title", { name }), text: t("staff." + action + "Text", { name }), confirmLabel: t("staff." + action), danger: action === "deactivate" });
    if (!ok) return;
    const res = await api.request("POST", `/staff/${p.id}/${action}`, { headers: api.ifMatch(p.version) });
    if (!res.ok) return failure(alertEl, res, { retry: () => setStatus(p, action), reload: load });
    toast(t(action === "deactivate" ? "staff.deactivated" : "staff.activated", { name }));
    load();
  }

  async function remove(p) {
    const name = displayName(p);
    const ok = await confirmDialog({ title: t("staff.deleteTitle", { name }), text: t("staff.deleteText", { name }), confirmLabel: t("staff.delete"), danger: true });
    if (!ok) return;
    const res = await api.request("DELETE", `/staff/${p.id}`, { headers: api.ifMatch(p.version) });
    if (!res.ok) return failure(alertEl, res, { retry: () => remove(p), reload: load });
    selected.delete(p.id);
    toast(t("staff.deleted", { name }));
    load();
  }

  async function resend(p) {
    const key = api.idempotencyKey();
    const res = await api.request("POST", `/staff/${p.id}/invitation`, { headers: key });
    if (!res.ok) return failure(alertEl, res, { retry: () => resend(p) });
    toast(t("staff.resent", { email: p.email }));
    load();
  }

  async function resetSelected() {
    const people = [...selected.values()];
    const ok = await confirmDialog({ title: t("staff.resetConfirmTitle"), text: t("staff.resetConfirmText", { n: people.length }), confirmLabel: t("staff.resetSend") });
    if (!ok) return;
    const key = api.idempotencyKey(); // the same key on a retry: nobody is mailed twice
    const send = async () => {
      setBusy(resetButton, true);
      const res = await api.request("POST", "/staff/password-resets", { body: { ids: people.map((p) => p.id) }, headers: key });
      setBusy(resetButton, false);
      if (!res.ok) return failure(alertEl, res, { retry: send });
      const byId = new Map(people.map((p) => [p.id, p]));
      const { dialog, body } = dialogShell(t("staff.resetResults"));
      body.append(h("ul", { class: "results" }, res.data.results.map((r) => {
        const p = byId.get(r.id);
        const text = r.status === "queued" ? t("staff.reset.queued") : t("staff.reset." + (r.reason || "not_found"));
        return h("li", { class: r.status, dataset: { id: r.id } }, h("strong", null, p ? displayName(p) : r.id), " — ", text);
      })), h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("close"))));
      selected.clear();
      for (const box of tbody.querySelectorAll("input[type=checkbox]")) box.checked = false;
      syncBulk();
      openDialog(dialog);
    };
    send();
  }

  // --- invite ---------------------------------------------------------------------------
  async function inviteDialog() {
    await loadRoles(); // the dropdown needs them
    const { dialog, body } = dialogShell(t("invite.title"));
    dialog.id = "invite-dialog";
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const seats = h("div", { class: "note", id: nextId("seats") });
    const key = api.idempotencyKey();
    const mayAssign = can("roles.assign") && can("roles.read");
    const form = h("form", { novalidate: true },
      h("p", null, t("invite.intro")),
      field({ name: "email", label: t("email"), type: "email", autocomplete: "off", required: true, spellcheck: false, maxlength: 254 }),
      field({ name: "firstName", label: t("firstName"), required: true, maxlength: 100 }),
      field({ name: "lastName", label: t("lastName"), required: true, maxlength: 100 }),
      mayAssign ? field({ name: "roleIds", label: t("role"), type: "select", value: "", options: [{ value: "", label: t("invite.roleNone") }, ...(roles || []).map((r) => ({ value: r.id, label: r.name }))] })
        : h("p", { class: "hint" }, can("roles.read") ? t("invite.noAssign") : t("invite.noRoles")),
      field({ name: "locale", label: t("language"), type: "select", value: "", options: [{ value: "", label: t("lang.shop") }, ...LANGUAGES.map((l) => ({ value: l, label: t("lang." + l) }))] }),
      seats);
    const submit = h("button", { type: "submit", class: "primary" }, t("invite.submit"));
    form.append(h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), submit));
    body.append(alertBox, form);

    const showSeats = async () => {
      if (!can("settings.read")) {
        seats.replaceChildren(h("p", null, t("invite.noSettings")));
        return;
      }
      const res = await api.get("/settings");
      if (!res.ok) return seats.replaceChildren(h("p", null, problemText(res)));
      const s = res.data;
      const note = seatNote(s);
      const lines = [h("p", null, t("invite.seats", { used: s.seatsUsed, limit: s.seatLimit, included: s.billing.includedSeats }))];
      if (note.kind === "full") {
        lines.push(h("p", { class: "warning", id: "seat-full" }, t("invite.full", { limit: s.seatLimit })));
        submit.disabled = true;
      } else if (note.kind === "extra") {
        lines.push(h("p", { class: "warning", id: "seat-cost" }, t("invite.cost", { price: formatMoney(note.priceCents, note.currency), total: formatMoney(s.billing.monthlyCostCents + note.priceCents, note.currency) })));
      } else {
        lines.push(h("p", null, t("invite.free")));
      }
      seats.replaceChildren(...lines);
    };

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      showAlert(alertBox, "");
      const v = (n) => (form.elements[n] ? form.elements[n].value.trim() : "");
      let bad = false;
      for (const n of ["email", "firstName", "lastName"]) if (!v(n)) bad = setFieldError(form, n, t("required"));
      if (v("email") && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v("email"))) bad = setFieldError(form, "email", t("invalidEmail"));
      if (bad) return form.querySelector('[aria-invalid="true"]').focus();
      const payload = { email: v("email"), firstName: v("firstName"), lastName: v("lastName") };
      if (v("roleIds")) payload.roleIds = [v("roleIds")];
      if (v("locale")) payload.locale = v("locale");
      setBusy(submit, true);
      const res = await api.request("POST", "/staff/invitations", { body: payload, headers: key });
      setBusy(submit, false);
      if (!res.ok) {
        if (res.problem && res.problem.code === "email_taken") {
          setFieldError(form, "email", t("error.email_taken"));
          return form.elements.email.focus();
        }
        showProblem(form, res, alertBox);
        if (res.status === 0) showAlert(alertBox, problemText(res), [], [{ label: t("retry"), run: () => form.requestSubmit() }]);
        return;
      }
      dialog.close();
      toast(t("invite.done", { email: payload.email }));
      load();
    });
    openDialog(dialog);
    await showSeats();
  }

  // --- detail panel ------------------------------------------------------------------------
  async function detailPanel(id) {
    const res = await api.get(`/staff/${id}`);
    if (!res.ok) return failure(alertEl, res, { retry: () => detailPanel(id) });
    let p = res.data;
    const { dialog, body } = dialogShell(t("staff.detail", { name: displayName(p) }), { wide: true });
    dialog.id = "staff-detail";
    const mayEdit = can("staff.update");
    const mayAssign = mayEdit && can("roles.assign") && roles;
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const info = h("dl", { class: "facts" });
    const form = h("form", { novalidate: true });
    const submit = h("button", { type: "submit", class: "primary" }, t("save"));

    const fill = () => {
      info.replaceChildren(...[
        h("dt", null, t("status")), h("dd", null, h("span", { class: "badge " + p.status }, t("status." + p.status))),
        h("dt", null, t("staff.createdAt")), h("dd", null, formatDate(p.createdAt)),
        h("dt", null, t("staff.lastLogin")), h("dd", null, p.lastLoginAt ? formatDate(p.lastLoginAt) : t("staff.never")),
        p.invitation ? h("dt", null, t("status.invited")) : null,
        p.invitation ? h("dd", null, t(p.invitation.expired ? "staff.invitationExpired" : "staff.invitationUntil", { date: formatDate(p.invitation.expiresAt) })) : null
      ].filter(Boolean));
      const roleBoxes = mayAssign
        ? h("fieldset", { class: "field", dataset: { field: "roleIds" } }, h("legend", null, t("roles")),
          roles.map((r) => {
            const boxId = nextId("r");
            return h("div", { class: "check" }, h("input", { type: "checkbox", id: boxId, name: "role", value: r.id, checked: p.roles.some((x) => x.id === r.id) }), h("label", { for: boxId }, r.name));
          }), h("p", { class: "error" }))
        : h("div", { class: "field" }, h("p", { class: "label" }, t("roles")), h("p", null, p.roles.map((r) => r.name).join(", ") || t("staff.noRoles")),
          mayEdit && !can("roles.assign") ? h("p", { class: "hint" }, t("staff.noRoleAssign")) : null);
      form.replaceChildren(...[
        field({ name: "firstName", label: t("firstName"), value: p.firstName, required: true, maxlength: 100, readonly: !mayEdit }),
        field({ name: "lastName", label: t("lastName"), value: p.lastName, required: true, maxlength: 100, readonly: !mayEdit }),
        field({ name: "email", label: t("email"), type: "email", value: p.email, readonly: !mayEdit || p.status !== "invited", hint: p.status !== "invited" ? t("staff.emailLocked") : "", spellcheck: false }),
        field({ name: "locale", label: t("language"), type: "select", value: p.locale, disabled: !mayEdit, options: LANGUAGES.map((l) => ({ value: l, label: t("lang." + l) })) }),
        roleBoxes,
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, mayEdit ? t("cancel") : t("close")),
          mayEdit ? submit : null)
      ].filter(Boolean));
    };
    const reload = async () => {
      const again = await api.get(`/staff/${id}`);
      if (!again.ok) return failure(alertBox, again, { retry: reload });
      p = again.data;
      showAlert(alertBox, "");
      fill();
      form.querySelector("input").focus();
    };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const v = (n) => form.elements[n].value.trim();
      const change = {};
      for (const n of ["firstName", "lastName", "email", "locale"]) {
        if (v(n) !== p[n]) change[n] = v(n);
      }
      for (const n of ["firstName", "lastName", "email"]) {
        if (n in change && !change[n]) {
          setFieldError(form, n, t("required"));
          return form.elements[n].focus();
        }
      }
      if (mayAssign) {
        const ids = [...form.querySelectorAll("input[name=role]:checked")].map((b) => b.value);
        const had = p.roles.map((r) => r.id);
        if (ids.length !== had.length || ids.some((x) => !had.includes(x))) change.roleIds = ids;
      }
      if (!Object.keys(change).length) return dialog.close();
      setBusy(submit, true);
      const res = await api.request("PATCH", `/staff/${id}`, { body: change, headers: api.ifMatch(p.version) });
      setBusy(submit, false);
      if (!res.ok) {
        if (res.status === 412 || res.status === 0) {
          const actions = res.status === 412 ? [{ label: t("reload"), run: reload }] : [{ label: t("retry"), run: () => form.requestSubmit() }];
          showAlert(alertBox, problemText(res), [], actions);
          return alertBox.focus();
        }
        return showProblem(form, res, alertBox);
      }
      p = res.data;
      dialog.close();
      toast(t("staff.saved"));
      load();
    });
    fill();
    body.append(alertBox, info, form);
    openDialog(dialog);
  }

  await Promise.all([loadRoles(), load()]);
  return () => {
    alive = false;
  };
}
