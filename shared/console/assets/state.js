// What the console keeps in the address: which screens exist, where to go
// after signing in, and the state of a list (filter, sort, search, page).
// No DOM here, so node's test runner checks it as it is.

// Screens of the banner: path under /console, its text, the permission that
// opens it, and the module that draws it. Screens not built yet are absent.
export const SCREENS = [
  { path: "users/staff", nav: "nav.users", perm: "staff.read", module: "view-staff.js" }
];

export function allowedScreens(permissions) {
  return SCREENS.filter((s) => (permissions || []).includes(s.perm));
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

export const STAFF_STATUSES = ["invited", "active", "inactive"];
export const STAFF_SORTS = ["lastName.asc", "lastName.desc", "email.asc", "email.desc"];
export const PAGE_SIZE = 25;

// readListState reads a staff list's state from the query string; anything
// unknown falls back to the default, so a hand-edited link still works.
export function readListState(params) {
  const get = (k) => (params.get(k) || "").trim();
  const status = STAFF_STATUSES.includes(get("status")) ? get("status") : "";
  const sortKey = get("sort") + "." + (get("order") || "asc");
  const [sort, order] = (STAFF_SORTS.includes(sortKey) ? sortKey : "lastName.asc").split(".");
  return {
    q: get("q").slice(0, 100),
    status,
    roleId: /^[0-9A-Za-z]{1,40}$/.test(get("role")) ? get("role") : "",
    sort,
    order,
    cursor: get("cursor")
  };
}

// listQuery is the address's query string for a state (defaults left out).
export function listQuery(state) {
  const q = new URLSearchParams();
  if (state.q) q.set("q", state.q);
  if (state.status) q.set("status", state.status);
  if (state.roleId) q.set("role", state.roleId);
  if (state.sort !== "lastName" || state.order !== "asc") {
    q.set("sort", state.sort);
    q.set("order", state.order);
  }
  if (state.cursor) q.set("cursor", state.cursor);
  const s = q.toString();
  return s ? "?" + s : "";
}

// apiQuery is GET /staff's query for a state: the API sorts only without
// q, so a search sends no sort.
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
