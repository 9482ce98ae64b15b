// Roles: the table of roles (name, description, members, built-in); the
// editor (name, optional description, one switch per permission, grouped as
// GET /permissions groups them; a person grants only what they hold); a
// role's page with its permissions and the staff with a switch each to give
// or take the role; delete after a question. The owner role can not be
// changed and the admin role can not be deleted: their controls say so.
import * as api from "./api.js";
import { t, has, plural, addStrings, formatNumber } from "./i18n.js";
import { h, field, textarea, checkbox, nextId, showAlert, saveFailed, failure, problemText, toast, openDialog, dialogShell, confirmDialog, setBusy, clearFieldErrors, setFieldError, rowMenu, statusBadge, displayName, debounce, focusInRows, setAddress } from "./ui.js";
import { PAGE_SIZE } from "./state.js";

addStrings({
  en: {
    "roles.title": "Roles",
    "roles.add": "Create role",
    "roles.intro": "A role is a set of permissions; people get what their roles give them together.",
    "roles.members": "Members",
    "roles.builtIn": "Built-in",
    "roles.empty": "There are no roles.",
    "roles.open": "Open",
    "roles.all": "All roles",
    "roles.createTitle": "Create a role",
    "roles.editTitle": "Edit the role {name}",
    "roles.nameHint": "Unique; at most 60 characters.",
    "roles.descriptionHint": "Optional: what the role is for.",
    "roles.permissions": "Permissions",
    "roles.permissionsHint": "Switch on what people with this role may do. You can grant only permissions you hold yourself.",
    "roles.notYours": "You do not hold this permission, so you can not grant it.",
    "roles.notYoursKept": "You do not hold this permission: you can take it away, not give it back.",
    "roles.save": "Save role",
    "roles.create": "Create role",
    "roles.created": "The role {name} has been created.",
    "roles.saved": "The role {name} has been saved.",
    "roles.ownerLocked": "The owner role holds every permission and can not be changed or deleted.",
    "roles.adminNoDelete": "The admin role can not be deleted; its name, description and permissions can change.",
    "roles.deleteTitle": "Delete the role {name}?",
    "roles.deleteText": "The role is deleted for good; its {n} members lose it and what it gave them at once. This can not be undone.",
    "roles.deleteText.one": "The role is deleted for good; its one member loses it and what it gave them at once. This can not be undone.",
    "roles.deleted": "The role {name} has been deleted.",
    "roles.grantForbidden": "Not saved: a role can only get permissions you hold yourself.",
    "roles.none": "No permissions yet.",
    "roles.membersTitle": "People with this role",
    "roles.membersIntro": "Switch a person on to give them the role, off to take it away. It counts from their next request.",
    "roles.onlyMembers": "Only people with this role",
    "roles.member": "{name} has the role {role}",
    "roles.given": "{name} now has the role {role}.",
    "roles.taken": "{name} no longer has the role {role}.",
    "roles.assignForbidden": "Not changed: only an owner gives the owner role or changes an owner's roles, and nobody gives a role with permissions they lack themself.",
    "roles.noAssign": "You can not give or take roles (needs the permission “{perm}”).",
    "roles.ownerOnly": "Only an owner can give or take the owner role.",
    "roles.noStaff": "You can not see other staff (needs the permission “{perm}”): only the role's members are listed.",
    "roles.noMembers": "Nobody has this role.",
    "roles.searchHint": "Name or email address, from the start",
    "roles.back": "All roles"
  },
  nl: {
    "roles.title": "Rollen",
    "roles.add": "Rol aanmaken",
    "roles.intro": "Een rol is een set rechten; iemand krijgt wat zijn rollen samen geven.",
    "roles.members": "Leden",
    "roles.builtIn": "Ingebouwd",
    "roles.empty": "Er zijn geen rollen.",
    "roles.open": "Openen",
    "roles.all": "Alle rollen",
    "roles.createTitle": "Rol aanmaken",
    "roles.editTitle": "De rol {name} bewerken",
    "roles.nameHint": "Uniek; maximaal 60 tekens.",
    "roles.descriptionHint": "Optioneel: waar de rol voor is.",
    "roles.permissions": "Rechten",
    "roles.permissionsHint": "Zet aan wat mensen met deze rol mogen. Je kunt alleen rechten geven die je zelf hebt.",
    "roles.notYours": "Je hebt dit recht zelf niet, dus je kunt het niet geven.",
    "roles.notYoursKept": "Je hebt dit recht zelf niet: je kunt het afnemen, niet teruggeven.",
    "roles.save": "Rol opslaan",
    "roles.create": "Rol aanmaken",
    "roles.created": "De rol {name} is aangemaakt.",
    "roles.saved": "De rol {name} is opgeslagen.",
    "roles.ownerLocked": "De eigenaarsrol heeft alle rechten en kan niet worden gewijzigd of verwijderd.",
    "roles.adminNoDelete": "De beheerdersrol kan niet worden verwijderd; naam, beschrijving en rechten kunnen wel veranderen.",
    "roles.deleteTitle": "De rol {name} verwijderen?",
    "roles.deleteText": "De rol wordt definitief verwijderd; de {n} leden verliezen hem en wat hij hun gaf meteen. Dit kan niet ongedaan worden gemaakt.",
    "roles.deleteText.one": "De rol wordt definitief verwijderd; het ene lid verliest hem en wat hij gaf meteen. Dit kan niet ongedaan worden gemaakt.",
    "roles.deleted": "De rol {name} is verwijderd.",
    "roles.grantForbidden": "Niet opgeslagen: een rol kan alleen rechten krijgen die je zelf hebt.",
    "roles.none": "Nog geen rechten.",
    "roles.membersTitle": "Mensen met deze rol",
    "roles.membersIntro": "Zet iemand aan om hem de rol te geven, uit om hem af te nemen. Het telt vanaf zijn volgende verzoek.",
    "roles.onlyMembers": "Alleen mensen met deze rol",
    "roles.member": "{name} heeft de rol {role}",
    "roles.given": "{name} heeft nu de rol {role}.",
    "roles.taken": "{name} heeft de rol {role} niet meer.",
    "roles.assignForbidden": "Niet gewijzigd: alleen een eigenaar geeft de eigenaarsrol of wijzigt de rollen van een eigenaar, en niemand geeft een rol met rechten die hij zelf niet heeft.",
    "roles.noAssign": "Je kunt geen rollen geven of afnemen (daarvoor is het recht “{perm}” nodig).",
    "roles.ownerOnly": "Alleen een eigenaar kan de eigenaarsrol geven of afnemen.",
    "roles.noStaff": "Je kunt andere beheerders niet zien (daarvoor is het recht “{perm}” nodig): alleen de leden van de rol staan hier.",
    "roles.noMembers": "Niemand heeft deze rol.",
    "roles.searchHint": "Begin van naam of e-mailadres",
    "roles.back": "Alle rollen"
  },
  de: {
    "roles.title": "Rollen",
    "roles.add": "Rolle anlegen",
    "roles.intro": "Eine Rolle ist eine Menge von Rechten; jede Person bekommt, was ihre Rollen zusammen geben.",
    "roles.members": "Mitglieder",
    "roles.builtIn": "Eingebaut",
    "roles.empty": "Es gibt keine Rollen.",
    "roles.open": "Öffnen",
    "roles.all": "Alle Rollen",
    "roles.createTitle": "Rolle anlegen",
    "roles.editTitle": "Die Rolle {name} bearbeiten",
    "roles.nameHint": "Eindeutig; höchstens 60 Zeichen.",
    "roles.descriptionHint": "Optional: wofür die Rolle da ist.",
    "roles.permissions": "Rechte",
    "roles.permissionsHint": "Schalte ein, was Personen mit dieser Rolle dürfen. Du kannst nur Rechte vergeben, die du selbst hast.",
    "roles.notYours": "Du hast dieses Recht selbst nicht und kannst es daher nicht vergeben.",
    "roles.notYoursKept": "Du hast dieses Recht selbst nicht: Du kannst es entziehen, nicht zurückgeben.",
    "roles.save": "Rolle speichern",
    "roles.create": "Rolle anlegen",
    "roles.created": "Die Rolle {name} wurde angelegt.",
    "roles.saved": "Die Rolle {name} wurde gespeichert.",
    "roles.ownerLocked": "Die Eigentümerrolle hat alle Rechte und kann weder geändert noch gelöscht werden.",
    "roles.adminNoDelete": "Die Administratorrolle kann nicht gelöscht werden; Name, Beschreibung und Rechte können sich ändern.",
    "roles.deleteTitle": "Die Rolle {name} löschen?",
    "roles.deleteText": "Die Rolle wird endgültig gelöscht; ihre {n} Mitglieder verlieren sie und was sie ihnen gab sofort. Das kann nicht rückgängig gemacht werden.",
    "roles.deleteText.one": "Die Rolle wird endgültig gelöscht; ihr einziges Mitglied verliert sie und was sie ihm gab sofort. Das kann nicht rückgängig gemacht werden.",
    "roles.deleted": "Die Rolle {name} wurde gelöscht.",
    "roles.grantForbidden": "Nicht gespeichert: Eine Rolle kann nur Rechte bekommen, die du selbst hast.",
    "roles.none": "Noch keine Rechte.",
    "roles.membersTitle": "Personen mit dieser Rolle",
    "roles.membersIntro": "Schalte eine Person ein, um ihr die Rolle zu geben, aus, um sie ihr zu nehmen. Das gilt ab ihrer nächsten Anfrage.",
    "roles.onlyMembers": "Nur Personen mit dieser Rolle",
    "roles.member": "{name} hat die Rolle {role}",
    "roles.given": "{name} hat jetzt die Rolle {role}.",
    "roles.taken": "{name} hat die Rolle {role} nicht mehr.",
    "roles.assignForbidden": "Nicht geändert: Nur ein Eigentümer vergibt die Eigentümerrolle oder ändert die Rollen eines Eigentümers, und niemand vergibt eine Rolle mit Rechten, die er selbst nicht hat.",
    "roles.noAssign": "Du kannst keine Rollen geben oder nehmen (dafür ist das Recht „{perm}“ nötig).",
    "roles.ownerOnly": "Nur ein Eigentümer kann die Eigentümerrolle geben oder nehmen.",
    "roles.noStaff": "Du kannst andere Verwalter nicht sehen (dafür ist das Recht „{perm}“ nötig): Nur die Mitglieder der Rolle stehen hier.",
    "roles.noMembers": "Niemand hat diese Rolle.",
    "roles.searchHint": "Anfang von Name oder E-Mail-Adresse",
    "roles.back": "Alle Rollen"
  }
});

const OWNER = "owner";
const ADMIN = "admin";

// permLabel names a permission in the person's language (the API's English
// description for a key the console does not know yet).
function permLabel(p) {
  return has("perm." + p.key) ? t("perm." + p.key) : p.description;
}

// groups orders the catalogue by group, as GET /permissions lists it.
export function groups(catalogue) {
  const out = [];
  for (const p of catalogue) {
    let g = out.find((x) => x.group === p.group);
    if (!g) out.push((g = { group: p.group, items: [] }));
    g.items.push(p);
  }
  return out;
}

// permissionChange is a role editor's result against the role's current
// permissions (null when unchanged), in catalogue order.
export function permissionChange(catalogue, before, checked) {
  const next = catalogue.map((p) => p.key).filter((k) => checked.includes(k));
  const same = next.length === before.length && next.every((k) => before.includes(k));
  return same ? null : next;
}

export async function render(ctx) {
  return ctx.sub ? rolePage(ctx, ctx.sub) : rolesTable(ctx);
}

// --- the table of roles ---------------------------------------------------------------

async function rolesTable(ctx) {
  const { root, can, base } = ctx;
  let alive = true;
  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, t("roles.title"));
  const addButton = can("roles.manage") ? h("button", { type: "button", class: "primary", id: "roles-add", onclick: () => roleEditor(ctx, null, load) }, t("roles.add")) : null;
  const tbody = h("tbody");
  const table = h("table", { class: "list", id: "roles-table" },
    h("caption", { class: "visually-hidden" }, t("roles.title")),
    h("thead", null, h("tr", null,
      h("th", { scope: "col" }, t("name")),
      h("th", { scope: "col" }, t("description")),
      h("th", { scope: "col", class: "num" }, t("roles.members")),
      h("th", { scope: "col" }, t("roles.builtIn")),
      h("th", { scope: "col", class: "options" }, h("span", { class: "visually-hidden" }, t("options"))))),
    tbody);
  root.replaceChildren(h("section", { class: "screen" },
    h("div", { class: "screen-head" }, heading, addButton),
    alertEl,
    h("p", { class: "hint" }, can("roles.manage") ? t("roles.intro") : t("roles.intro") + " " + t("readOnly", { perm: t("perm.roles.manage") })),
    h("div", { class: "table-wrap" }, table)));

  async function load() {
    table.setAttribute("aria-busy", "true");
    const res = await api.get("/roles");
    if (!alive) return;
    table.setAttribute("aria-busy", "false");
    if (!res.ok) return failure(alertEl, res, { retry: load });
    showAlert(alertEl, "");
    const keep = focusInRows(tbody);
    tbody.replaceChildren(...res.data.items.map(row));
    if (!res.data.items.length) tbody.append(h("tr", null, h("td", { colspan: 5, class: "empty" }, t("roles.empty"))));
    keep(heading);
  }

  function row(r) {
    const href = base + "/" + r.id;
    const entries = [[t("roles.open"), () => ctx.navigate(href), "open"]];
    if (can("roles.manage") && r.id !== OWNER) entries.push([t("edit"), () => roleEditor(ctx, r, load), "edit"]);
    if (can("roles.manage") && !r.builtIn) entries.push([t("delete"), () => deleteRole(ctx, r, alertEl, load), "delete"]);
    return h("tr", { dataset: { id: r.id } },
      h("td", { dataset: { label: t("name") } }, h("a", { href }, r.name)),
      h("td", { dataset: { label: t("description") } }, r.description || "–"),
      h("td", { class: "num", dataset: { label: t("roles.members") } }, formatNumber(r.memberCount)),
      h("td", { dataset: { label: t("roles.builtIn") } }, r.builtIn ? t("yes") : t("no")),
      h("td", { class: "options" }, rowMenu(r.name, entries)));
  }

  await load();
  return () => { alive = false; };
}

async function deleteRole(ctx, r, alertEl, after) {
  const ok = await confirmDialog({ title: t("roles.deleteTitle", { name: r.name }), text: plural("roles.deleteText", r.memberCount), confirmLabel: t("delete"), danger: true });
  if (!ok) return;
  // A role edited since the question was asked is not deleted (412 offers
  // a reload).
  const res = await api.request("DELETE", `/roles/${r.id}`, { headers: api.ifMatch(r.version) });
  if (!res.ok && res.status !== 404) {
    return failure(alertEl, res, { retry: () => deleteRole(ctx, r, alertEl, after), reload: after });
  }
  await after();
  toast(t("roles.deleted", { name: r.name }));
}

// --- the editor (create: role null) ---------------------------------------------------

async function roleEditor(ctx, role, after) {
  const { me } = ctx;
  const cat = await api.get("/permissions");
  const alertHost = document.querySelector(".screen .alert");
  if (!cat.ok) return alertHost ? failure(alertHost, cat, { retry: () => roleEditor(ctx, role, after) }) : toast(problemText(cat));
  const catalogue = cat.data.items;
  let r = role;
  const { dialog, body } = dialogShell(r ? t("roles.editTitle", { name: r.name }) : t("roles.createTitle"), { wide: true });
  dialog.id = "role-editor";
  const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const form = h("form", { novalidate: true });
  const submit = h("button", { type: "submit", class: "primary" }, r ? t("roles.save") : t("roles.create"));

  const fill = () => {
    const had = r ? r.permissions : [];
    const sets = groups(catalogue).map((g) => h("fieldset", { class: "field group perms" },
      h("legend", null, has("permGroup." + g.group) ? t("permGroup." + g.group) : g.group),
      g.items.map((p) => {
        const mine = me.permissions.includes(p.key);
        const on = had.includes(p.key);
        return checkbox({ name: "perm", value: p.key, label: permLabel(p), checked: on, switch: true, disabled: !mine && !on,
          hint: mine ? null : t(on ? "roles.notYoursKept" : "roles.notYours") });
      })));
    form.replaceChildren(
      field({ name: "name", label: t("name") + " *", value: r ? r.name : "", required: true, maxlength: 60, hint: t("roles.nameHint") }),
      textarea({ name: "description", label: t("description"), value: r ? r.description : "", maxlength: 500, rows: 2, hint: t("roles.descriptionHint") }),
      h("div", { class: "field", dataset: { field: "permissions" } }, h("p", { class: "label" }, t("roles.permissions")), h("p", { class: "hint" }, t("roles.permissionsHint")), h("p", { class: "error" })),
      ...sets,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), submit));
  };
  const reload = async () => {
    const again = await api.get(`/roles/${r.id}`);
    if (!again.ok) return failure(alertBox, again, { retry: reload });
    r = again.data;
    showAlert(alertBox, "");
    fill();
    form.elements.name.focus();
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    showAlert(alertBox, "");
    const name = form.elements.name.value.trim();
    const description = form.elements.description.value.trim();
    if (!name) {
      setFieldError(form, "name", t("required"));
      return form.elements.name.focus();
    }
    const checked = [...form.querySelectorAll("input[name=perm]:checked")].map((b) => b.value);
    let res;
    setBusy(submit, true);
    if (!r) {
      res = await api.request("POST", "/roles", { body: { name, description, permissions: catalogue.map((p) => p.key).filter((k) => checked.includes(k)) } });
    } else {
      const change = {};
      if (name !== r.name) change.name = name;
      if (description !== r.description) change.description = description;
      const perms = permissionChange(catalogue, r.permissions, checked);
      if (perms) change.permissions = perms;
      res = Object.keys(change).length ? await api.request("PATCH", `/roles/${r.id}`, { body: change, headers: api.ifMatch(r.version) }) : { ok: true, data: r };
    }
    setBusy(submit, false);
    if (!res.ok) {
      const code = res.problem && res.problem.code;
      if (code === "name_taken") {
        setFieldError(form, "name", t("error.name_taken"));
        return form.elements.name.focus();
      }
      if (res.status === 403) {
        showAlert(alertBox, t("roles.grantForbidden"));
        return alertBox.focus();
      }
      return saveFailed(form, res, alertBox, { reload: r ? reload : null, retry: () => form.requestSubmit() });
    }
    dialog.close();
    await after(res.data);
    toast(t(r ? "roles.saved" : "roles.created", { name: res.data.name }));
  });
  fill();
  body.append(alertBox, form);
  openDialog(dialog);
}

// --- a role's page: permissions and members --------------------------------------------

async function rolePage(ctx, id) {
  const { root, can, me } = ctx;
  const params = ctx.params;
  let alive = true;
  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  root.replaceChildren(h("p", { class: "loading" }, t("loading")));
  const [res, cat] = await Promise.all([api.get(`/roles/${id}`), api.get("/permissions")]);
  if (!res.ok) {
    root.replaceChildren(h("section", { class: "screen" }, h("p", null, h("a", { href: ctx.base }, "← " + t("roles.back"))), h("h1", null, t("roles.title")), alertEl));
    failure(alertEl, res, { retry: () => rolePage(ctx, id) });
    return () => {};
  }
  let role = res.data;
  const catalogue = cat.ok ? cat.data.items : role.permissions.map((key) => ({ key, group: key.split(".")[0], description: key }));
  const isOwnerRole = role.id === OWNER;
  const iAmOwner = (me.roles || []).some((r) => r.id === OWNER);
  const mayAssign = can("roles.assign") && (!isOwnerRole || iAmOwner);
  const mayListStaff = can("staff.read");

  const heading = h("h1", null, role.name);
  const description = h("p", { class: "lead" });
  const notes = h("div");
  const permsBox = h("div", { class: "card perm-list" });
  // Disabled controls stay in view (and in the tab order, hence
  // aria-disabled rather than disabled) with the reason next to them; a
  // click on one does nothing.
  const locked = (button) => button.getAttribute("aria-disabled") === "true";
  const lock = (button, reasonId) => {
    button.setAttribute("aria-disabled", "true");
    button.setAttribute("aria-describedby", reasonId);
  };
  const editButton = h("button", { type: "button", class: "secondary", id: "role-edit", onclick: () => {
    if (!locked(editButton)) roleEditor(ctx, role, (r) => { role = r; drawRole(); });
  } }, t("edit"));
  const deleteButton = h("button", { type: "button", class: "danger", id: "role-delete", onclick: async () => {
    if (!locked(deleteButton)) await deleteRole(ctx, role, alertEl, () => ctx.navigate(ctx.base));
  } }, t("delete"));

  function drawRole() {
    heading.textContent = role.name;
    document.title = role.name + " – " + t("appName");
    description.textContent = role.description || "";
    const reasons = [];
    if (isOwnerRole) reasons.push(h("p", { class: "note", id: "role-locked" }, t("roles.ownerLocked")));
    else if (role.id === ADMIN) reasons.push(h("p", { class: "note", id: "role-locked" }, t("roles.adminNoDelete")));
    if (!can("roles.manage")) reasons.push(h("p", { class: "hint" }, t("readOnly", { perm: t("perm.roles.manage") })));
    notes.replaceChildren(...reasons);
    if (isOwnerRole) lock(editButton, "role-locked");
    if (role.builtIn) lock(deleteButton, "role-locked");
    permsBox.replaceChildren(h("div", null, h("h2", null, t("roles.permissions")),
      role.permissions.length ? groups(catalogue).filter((g) => g.items.some((p) => role.permissions.includes(p.key))).map((g) =>
        h("div", { class: "perm-group" }, h("h3", null, has("permGroup." + g.group) ? t("permGroup." + g.group) : g.group),
          h("ul", null, g.items.filter((p) => role.permissions.includes(p.key)).map((p) => h("li", null, permLabel(p))))))
        : h("p", null, t("roles.none"))));
  }

  // Members: every staff member with a switch (needs staff.read), or only
  // the members (roles.read alone).
  const onlyId = "members-only";
  const only = h("input", { type: "checkbox", id: onlyId, checked: params.get("members") === "1" || !mayListStaff, disabled: !mayListStaff });
  const searchId = nextId("q");
  const search = h("input", { id: searchId, type: "search", value: (params.get("q") || "").slice(0, 100), maxLength: 100, autocomplete: "off", "aria-describedby": searchId + "-hint" });
  let cursor = params.get("cursor") || "";
  const tbody = h("tbody");
  const table = h("table", { class: "list", id: "role-members" },
    h("caption", { class: "visually-hidden" }, t("roles.membersTitle")),
    h("thead", null, h("tr", null,
      h("th", { scope: "col", class: "select" }, h("span", { class: "visually-hidden" }, t("roles.members"))),
      h("th", { scope: "col" }, t("name")), h("th", { scope: "col" }, t("email")), h("th", { scope: "col" }, t("status")))),
    tbody);
  const nextButton = h("a", { class: "button secondary", id: "members-next" }, t("list.next"));
  const firstButton = h("a", { class: "button secondary" }, t("list.first"));
  const countEl = h("p", { class: "hint", role: "status" });
  const membersAlert = h("div", { class: "alert", role: "alert", tabindex: "-1" });

  const address = (c) => {
    const q = new URLSearchParams();
    if (search.value.trim()) q.set("q", search.value.trim());
    if (only.checked && mayListStaff) q.set("members", "1");
    if (c) q.set("cursor", c);
    const s = q.toString();
    return ctx.base + "/" + role.id + (s ? "?" + s : "");
  };

  // The search changes faster than answers come: only the latest is drawn.
  let loads = 0;
  async function loadMembers() {
    const mine = ++loads;
    table.setAttribute("aria-busy", "true");
    const q = search.value.trim();
    const res = !mayListStaff
      ? await api.get(`/roles/${role.id}/members`, { limit: PAGE_SIZE, cursor })
      : await api.get("/staff", { limit: PAGE_SIZE, cursor, roleId: only.checked ? role.id : "", q, ...(q ? {} : { sort: "lastName", order: "asc" }) });
    if (!alive || mine !== loads) return;
    table.setAttribute("aria-busy", "false");
    if (!res.ok) {
      if (res.problem && res.problem.code === "invalid_cursor") {
        cursor = "";
        setAddress(address(""), true);
        return loadMembers();
      }
      return failure(membersAlert, res, { retry: loadMembers });
    }
    showAlert(membersAlert, "");
    const keep = focusInRows(tbody);
    tbody.replaceChildren(...res.data.items.map(memberRow));
    if (!res.data.items.length) tbody.append(h("tr", null, h("td", { colspan: 4, class: "empty" }, t("roles.noMembers"))));
    keep();
    countEl.textContent = t("list.count", { n: res.data.items.length });
    nextButton.hidden = !res.data.nextCursor;
    if (res.data.nextCursor) nextButton.href = address(res.data.nextCursor);
    firstButton.hidden = !cursor;
    firstButton.href = address("");
  }

  function memberRow(p) {
    const name = displayName(p);
    const holds = p.roles ? p.roles.some((r) => r.id === role.id) : true;
    const box = h("input", { type: "checkbox", role: "switch", checked: holds, disabled: !mayAssign, "aria-label": t("roles.member", { name, role: role.name }) });
    // While its request runs the switch does not move, but it is not
    // disabled either: a disabled element loses the focus, and a keyboard
    // user would go on from the top of the page.
    let busy = false;
    box.addEventListener("click", (e) => {
      if (busy) e.preventDefault();
    });
    box.addEventListener("change", async () => {
      busy = true;
      box.setAttribute("aria-disabled", "true");
      const on = box.checked;
      const res = await api.request(on ? "PUT" : "DELETE", `/roles/${role.id}/members/${p.id}`);
      busy = false;
      box.removeAttribute("aria-disabled");
      if (!res.ok) {
        box.checked = !on;
        if (res.status === 403) showAlert(membersAlert, t("roles.assignForbidden"));
        else failure(membersAlert, res, { retry: () => box.click() });
        return membersAlert.focus();
      }
      showAlert(membersAlert, "");
      // The delete question counts the members: keep the count current.
      role.memberCount = Math.max(0, role.memberCount + (on ? 1 : -1));
      toast(t(on ? "roles.given" : "roles.taken", { name, role: role.name }));
    });
    return h("tr", { dataset: { id: p.id } },
      h("td", { class: "select" }, box),
      h("td", { dataset: { label: t("name") } }, name),
      h("td", { dataset: { label: t("email") } }, p.email),
      h("td", { dataset: { label: t("status") } }, statusBadge(p.status)));
  }

  search.addEventListener("input", debounce(() => { cursor = ""; setAddress(address(""), true); loadMembers(); }, 300));
  only.addEventListener("change", () => { cursor = ""; setAddress(address("")); loadMembers(); });

  const memberNotes = [];
  if (!can("roles.assign")) memberNotes.push(h("p", { class: "hint" }, t("roles.noAssign", { perm: t("perm.roles.assign") })));
  else if (isOwnerRole && !iAmOwner) memberNotes.push(h("p", { class: "hint" }, t("roles.ownerOnly")));
  if (!mayListStaff) memberNotes.push(h("p", { class: "hint" }, t("roles.noStaff", { perm: t("perm.staff.read") })));

  root.replaceChildren(h("section", { class: "screen" },
    h("p", null, h("a", { href: ctx.base }, "← " + t("roles.back"))),
    h("div", { class: "screen-head" }, heading, can("roles.manage") ? h("div", { class: "actions" }, editButton, deleteButton) : null),
    alertEl, description, notes, permsBox,
    h("h2", { class: "section-title" }, t("roles.membersTitle")),
    h("p", { class: "hint" }, t("roles.membersIntro")),
    ...memberNotes,
    mayListStaff ? h("div", { class: "filters" },
      h("div", { class: "field grow" }, h("label", { for: searchId }, t("list.search")), search, h("p", { id: searchId + "-hint", class: "hint" }, t("roles.searchHint"))),
      h("div", { class: "check field" }, only, h("label", { for: onlyId }, t("roles.onlyMembers")))) : null,
    membersAlert,
    h("div", { class: "table-wrap" }, table),
    h("div", { class: "pager" }, countEl, firstButton, nextButton)));
  drawRole();
  await loadMembers();
  return () => { alive = false; };
}
