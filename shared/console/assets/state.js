// What the console keeps in the address: which screens exist, where to go
// after signing in, and the state of a list (filter, sort, search, page).
// No DOM here, so node's test runner checks it as it is.

// Screens of the banner: path under /console, its text, the permission that
// opens it, and the module that draws it (loaded when first shown). Screens
// of one section (users/…) share a banner entry and show as tabs.
export const SCREENS = [
  { path: "users/staff", nav: "nav.users", tab: "users.staff", perm: "staff.read", module: "view-staff.js" },
  { path: "users/customers", nav: "nav.users", tab: "users.customers", perm: "customers.read", module: "view-customers.js" },
  { path: "categories", nav: "nav.categories", perm: "categories.read", module: "view-categories.js" },
  { path: "roles", nav: "nav.roles", perm: "roles.read", module: "view-roles.js" },
  { path: "settings", nav: "nav.settings", perm: "settings.read", module: "view-settings.js" },
  { path: "audit", nav: "nav.audit", perm: "audit.read", module: "view-audit.js" }
];

export function allowedScreens(permissions) {
  return SCREENS.filter((s) => (permissions || []).includes(s.perm));
}

// sections are the banner's entries: the first allowed screen of each.
export function sections(permissions) {
  const seen = new Set();
  return allowedScreens(permissions).filter((s) => {
    const section = s.path.split("/")[0];
    if (seen.has(section)) return false;
    seen.add(section);
    return true;
  });
}

// screenFor finds the screen of an address under /console ("roles/<id>"
// is the roles screen with sub "<id>"); null when there is none.
export function screenFor(path) {
  for (const s of SCREENS) {
    if (path === s.path) return { screen: s, sub: "" };
    if (path.startsWith(s.path + "/")) {
      const sub = path.slice(s.path.length + 1);
      if (/^[0-9A-Za-z]{1,40}$/.test(sub)) return { screen: s, sub };
    }
  }
  return null;
}

// safeNext keeps a return address inside the console (no open redirect,
// never back to the sign-in page itself).
export function safeNext(next, base) {
  if (typeof next !== "string" || next.startsWith("//") || !(next === base || next.startsWith(base + "/") || next.startsWith(base + "?"))) {
    return base;
  }
  if (next.slice(base.length).startsWith("/sign-in")) return base;
  return next;
}

export const PAGE_SIZE = 25;
export const PERSON_STATUSES = ["invited", "active", "inactive"];
export const STAFF_STATUSES = PERSON_STATUSES;
export const STAFF_SORTS = ["lastName.asc", "lastName.desc", "email.asc", "email.desc"];
export const CUSTOMER_SORTS = ["lastName.asc", "lastName.desc", "firstName.asc", "firstName.desc", "email.asc", "email.desc",
  "company.asc", "company.desc", "createdAt.desc", "createdAt.asc"];

// A list of people (staff, customers) in the address: q, status, role (staff
// only), sort and order, cursor. sorts lists "field.order" values; the first
// is the default.
export const STAFF_LIST = { sorts: STAFF_SORTS, roles: true };
export const CUSTOMER_LIST = { sorts: CUSTOMER_SORTS, roles: false };

// readListState reads a list's state from the query string; anything
// unknown falls back to the default, so a hand-edited link still works.
export function readListState(params, spec = STAFF_LIST) {
  const get = (k) => (params.get(k) || "").trim();
  const status = PERSON_STATUSES.includes(get("status")) ? get("status") : "";
  const sortKey = get("sort") + "." + (get("order") || "asc");
  const [sort, order] = (spec.sorts.includes(sortKey) ? sortKey : spec.sorts[0]).split(".");
  return {
    q: get("q").slice(0, 100),
    status,
    roleId: spec.roles && /^[0-9A-Za-z]{1,40}$/.test(get("role")) ? get("role") : "",
    sort,
    order,
    cursor: get("cursor")
  };
}

// listQuery is the address's query string for a state (defaults left out).
export function listQuery(state, spec = STAFF_LIST) {
  const q = new URLSearchParams();
  if (state.q) q.set("q", state.q);
  if (state.status) q.set("status", state.status);
  if (state.roleId) q.set("role", state.roleId);
  if (state.sort + "." + state.order !== spec.sorts[0]) {
    q.set("sort", state.sort);
    q.set("order", state.order);
  }
  if (state.cursor) q.set("cursor", state.cursor);
  const s = q.toString();
  return s ? "?" + s : "";
}

// apiQuery is the list route's query for a state: the API sorts only
// without q, so a search sends no sort.
export function apiQuery(state) {
  const query = { limit: PAGE_SIZE, status: state.status, roleId: state.roleId, cursor: state.cursor };
  if (state.q) query.q = state.q;
  else {
    query.sort = state.sort;
    query.order = state.order;
  }
  return query;
}

// seatNote describes what one more invitation does to the seats: "full",
// "extra" (beyond the included seats: costs price per month) or "free".
export function seatNote(settings) {
  const used = settings.seatsUsed;
  const b = settings.billing || {};
  if (used >= settings.seatLimit) return { kind: "full" };
  if (used >= (b.includedSeats || 0)) {
    const extra = used + 1 - (b.includedSeats || 0);
    return { kind: "extra", priceCents: b.pricePerExtraSeatCents || 0, totalCents: extra * (b.pricePerExtraSeatCents || 0), currency: b.currency || "EUR" };
  }
  return { kind: "free" };
}

// --- the audit log's filters ------------------------------------------------------

export const AUDIT_TARGETS = ["staff", "customer", "role", "category", "settings"];

// readAuditState reads the audit log's filters from the query string:
// actor, target type and id, action, from and to (RFC 3339), cursor.
export function readAuditState(params) {
  const get = (k) => (params.get(k) || "").trim();
  const id = (v) => (/^[0-9A-Za-z_-]{1,100}$/.test(v) ? v : "");
  const time = (v) => (v && !isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v).toISOString() : "");
  const targetType = AUDIT_TARGETS.includes(get("targetType")) ? get("targetType") : "";
  return {
    actorId: id(get("actor")),
    targetType,
    targetId: targetType ? id(get("target")) : "",
    action: /^[a-z_]{1,40}\.[a-z_]{1,60}$/.test(get("action")) ? get("action") : "",
    from: time(get("from")),
    to: time(get("to")),
    cursor: get("cursor")
  };
}

export function auditQuery(state) {
  const q = new URLSearchParams();
  if (state.actorId) q.set("actor", state.actorId);
  if (state.targetType) q.set("targetType", state.targetType);
  if (state.targetType && state.targetId) q.set("target", state.targetId);
  if (state.action) q.set("action", state.action);
  if (state.from) q.set("from", state.from);
  if (state.to) q.set("to", state.to);
  if (state.cursor) q.set("cursor", state.cursor);
  const s = q.toString();
  return s ? "?" + s : "";
}

export function auditApiQuery(state) {
  return {
    limit: PAGE_SIZE, actorId: state.actorId, targetType: state.targetType, targetId: state.targetType ? state.targetId : "",
    action: state.action, from: state.from, to: state.to, cursor: state.cursor
  };
}

// localInput turns an RFC 3339 time into the value of an
// <input type=datetime-local> in the browser's time zone, and back.
export function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return "";
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  if (!value) return "";
  const d = new Date(value); // a datetime-local value is local time
  return isNaN(d) ? "" : d.toISOString();
}

// --- categories ----------------------------------------------------------------------

// flatten lists a tree's nodes depth first with their depth and parent.
export function flatten(nodes, depth = 0, parent = null, out = []) {
  for (const n of nodes || []) {
    out.push({ node: n, depth, parent });
    flatten(n.children, depth + 1, n, out);
  }
  return out;
}

// moveTargets are the parents a category may move under: the top level
// ("") and every category except itself and those below it.
export function moveTargets(tree, id) {
  const out = [];
  const walk = (nodes, depth, path) => {
    for (const n of nodes || []) {
      if (n.id === id) continue;
      out.push({ id: n.id, name: n.name, depth, path: [...path, n.name] });
      walk(n.children, depth + 1, [...path, n.name]);
    }
  };
  walk(tree, 0, []);
  return out;
}

// siblingMove is the PATCH body that moves a category one place up or
// down among its siblings, or null at the edge.
export function siblingMove(siblings, id, direction) {
  const i = siblings.findIndex((s) => s.id === id);
  if (i < 0) return null;
  if (direction === "up") return i > 0 ? { before: siblings[i - 1].id } : null;
  return i < siblings.length - 1 ? { after: siblings[i + 1].id } : null;
}

// subtreeSize counts the categories below a node.
export function subtreeSize(node) {
  return (node.children || []).reduce((n, c) => n + 1 + subtreeSize(c), 0);
}

// isHttpsURL accepts what the API takes as an external thumbnail.
export function isHttpsURL(s) {
  try {
    const u = new URL(s);
    return u.protocol === "https:" && !!u.hostname && s.length <= 2048;
  } catch {
    return false;
  }
}

// --- money ------------------------------------------------------------------------------

// parseMoney reads an amount typed in the person's way ("25", "25,50",
// "1.025,00", "25.5") as cents; NaN when it is not one.
export function parseMoney(text) {
  let s = String(text || "").trim().replace(/[\s€$£]/g, "");
  if (!/^\d[\d.,]*$/.test(s)) return NaN;
  const lastSep = Math.max(s.lastIndexOf(","), s.lastIndexOf("."));
  let whole = s, frac = "";
  if (lastSep >= 0 && s.length - lastSep - 1 <= 2) {
    whole = s.slice(0, lastSep);
    frac = s.slice(lastSep + 1);
  }
  whole = whole.replace(/[.,]/g, "");
  if (!/^\d+$/.test(whole || "0") || !/^\d{0,2}$/.test(frac)) return NaN;
  return Number(whole || "0") * 100 + Number((frac + "00").slice(0, 2));
}
