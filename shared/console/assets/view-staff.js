// Users → Staff: the shared people list (ui.js peopleList) with a role
// filter and a roles column; invitations with a role and the seat cost; the
// detail panel with the person's roles.
import * as api from "./api.js";
import { t, formatMoney, LANGUAGES } from "./i18n.js";
import { h, field, nextId, showProblem, saveFailed, showAlert, failure, problemText, toast, openDialog, dialogShell, setBusy, clearFieldErrors, setFieldError, peopleList, statusBadge, displayName, facts, personFacts, pendingEmail, panelRefresh } from "./ui.js";
import { seatNote, STAFF_LIST } from "./state.js";

export { displayName };

export async function render(ctx) {
  const { me, can } = ctx;
  let roles = null; // [{id, name}] when the person may read roles
  const roleId = nextId("role");
  const role = h("select", { id: roleId }, h("option", { value: "" }, t("staff.allRoles")));

  const list = peopleList(ctx, {
    kind: "staff",
    path: "/staff",
    list: STAFF_LIST,
    perms: { reset: "staff.reset_password", resend: "staff.invite", deactivate: "staff.deactivate", delete: "staff.delete" },
    columns: [
      { label: t("status"), cell: (p) => statusBadge(p.status) },
      { label: t("roles"), cell: (p) => p.roles.map((r) => r.name).join(", ") || "–" }
    ],
    filters: (state, go) => {
      if (!can("roles.read")) return null;
      role.addEventListener("change", () => { state.roleId = role.value; go(); });
      return h("div", { class: "field" }, h("label", { for: roleId }, t("role")), role);
    },
    notes: can("roles.read") ? [] : [h("p", { class: "hint" }, t("staff.rolesHidden"))],
    add: can("staff.invite") ? () => inviteDialog() : null,
    detail: (id) => detailPanel(id),
    protect: (p) => p.id === me.id
  });
  const { load, alertEl } = list;

  // --- roles (the filter, the dropdown, the detail panel's boxes) ------------------
  let rolesReady = null;
  function loadRoles() {
    rolesReady = rolesReady || fetchRoles();
    return rolesReady;
  }
  async function fetchRoles() {
    if (!can("roles.read")) return;
    const res = await api.get("/roles");
    if (!res.ok) return;
    roles = res.data.items.map((r) => ({ id: r.id, name: r.name }));
    for (const r of roles) role.append(h("option", { value: r.id, selected: r.id === list.state.roleId }, r.name));
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
      await load();
      toast(t("invite.done", { email: payload.email }));
    });
    openDialog(dialog);
    await showSeats();
  }

  // --- detail panel ------------------------------------------------------------------------
  async function detailPanel(id) {
    const res = await api.get(`/staff/${id}`);
    if (!res.ok) return failure(alertEl, res, { retry: () => detailPanel(id) });
    let p = res.data;
    const { dialog, body } = dialogShell(t("people.detail", { name: displayName(p) }), { wide: true });
    dialog.id = "staff-detail";
    const mayEdit = can("staff.update");
    const mayAssign = mayEdit && can("roles.assign") && roles;
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const statusBox = h("div", { class: "status", role: "status" });
    const info = h("div");
    const form = h("form", { novalidate: true });
    const submit = h("button", { type: "submit", class: "primary" }, t("save"));

    const { show, reload } = panelRefresh({ path: `/staff/${id}`, dialog, form, alertBox, statusBox, set: (next) => { p = next; }, fill: () => fill(), reloadList: load });
    const fill = () => {
      info.replaceChildren(facts(personFacts(p)));
      if (!mayEdit) info.append(h("p", { class: "hint" }, t("readOnly", { perm: t("perm.staff.update") })));
      const pending = pendingEmail(p, { path: `/staff/${id}`, mayEdit, alertBox, show });
      if (pending) info.append(pending);
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
        field({ name: "email", label: t("email"), type: "email", value: p.email, readonly: !mayEdit, hint: mayEdit ? t(p.status === "invited" ? "people.emailInvited" : "people.emailConfirm") : "", spellcheck: false, maxlength: 254 }),
        field({ name: "locale", label: t("language"), type: "select", value: p.locale, disabled: !mayEdit, options: LANGUAGES.map((l) => ({ value: l, label: t("lang." + l) })) }),
        roleBoxes,
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, mayEdit ? t("cancel") : t("close")),
          mayEdit ? submit : null)
      ].filter(Boolean));
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
      if (change.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(change.email)) {
        setFieldError(form, "email", t("invalidEmail"));
        return form.elements.email.focus();
      }
      if (!Object.keys(change).length) return dialog.close();
      setBusy(submit, true);
      const res = await api.request("PATCH", `/staff/${id}`, { body: change, headers: api.ifMatch(p.version) });
      setBusy(submit, false);
      if (!res.ok) {
        if (res.problem && res.problem.code === "email_taken") {
          setFieldError(form, "email", t("error.email_taken"));
          return form.elements.email.focus();
        }
        return saveFailed(form, res, alertBox, { reload, retry: () => form.requestSubmit() });
      }
      // A new address of someone who has signed in waits for its
      // confirmation: the panel stays open and says so.
      if (change.email && res.data.pendingEmail && res.data.email === p.email) {
        return show(res.data, t("pending.saved", { email: res.data.pendingEmail.email, current: res.data.email }), "saved");
      }
      const moved = change.email && res.data.email !== p.email && res.data.invitation;
      p = res.data;
      dialog.close();
      await load();
      toast(moved ? t("people.savedInvited", { email: p.email }) : t("people.saved"));
    });
    fill();
    body.append(alertBox, statusBox, info, form);
    openDialog(dialog);
  }

  await Promise.all([loadRoles(), load()]);
  return list.cleanup;
}
