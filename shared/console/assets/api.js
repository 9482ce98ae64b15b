// The API client. The access token lives in this module's memory only; the
// refresh token is an HttpOnly cookie scoped to /auth that script can never
// read: login asks for it (refreshTokenCookie), refresh and logout send it
// because the browser does, with a JSON body (a cross-site form can not).

let accessToken = "";
let base = "";
let onSignedOut = () => {};
let refreshing = null;

// configure sets the API's base path (the stage prefix, "" on $default)
// and what happens when the session is over.
export function configure(options) {
  base = options.base ?? base;
  if (options.onSignedOut) onSignedOut = options.onSignedOut;
}

// apiBase derives the API's prefix from a module URL like
// https://h/prod/console/<build>/api.js → "/prod".
export function apiBase(moduleURL) {
  const path = new URL(moduleURL).pathname;
  const at = path.lastIndexOf("/console/");
  return at > 0 ? path.slice(0, at) : "";
}

export function signedIn() {
  return accessToken !== "";
}

// Result of every call: never throws. status 0 means no answer (network).
// problem is the problem+json body of an error answer, else null.
async function send(method, path, { body, headers = {}, auth = true } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (auth && accessToken) h.Authorization = "Bearer " + accessToken;
  let res;
  try {
    res = await fetch(base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      referrerPolicy: "no-referrer"
    });
  } catch (e) {
    return { ok: false, status: 0, data: null, problem: null, headers: new Headers(), requestId: "" };
  }
  let data = null;
  if ((res.headers.get("Content-Type") || "").includes("json")) {
    data = await res.json().catch(() => null);
  }
  const isProblem = !res.ok;
  return {
    ok: res.ok,
    status: res.status,
    data: res.ok ? data : null,
    problem: isProblem ? normalizeProblem(res.status, data) : null,
    headers: res.headers,
    requestId: res.headers.get("X-Request-Id") || ""
  };
}

// normalizeProblem turns any error body into {code, errors, detail}:
// API Gateway's own {"message": "Unauthorized"} has no code.
export function normalizeProblem(status, data) {
  const p = data && typeof data === "object" ? data : {};
  let code = typeof p.code === "string" ? p.code : "";
  if (!code && status === 401) code = "unauthenticated";
  if (!code && status === 404) code = "not_found";
  if (!code && status >= 500) code = "internal";
  return { code, status, detail: p.detail || "", errors: Array.isArray(p.errors) ? p.errors : [] };
}

// request calls a protected route; a 401 refreshes the access token once
// (the cookie) and repeats the call; when that fails the session is over.
export async function request(method, path, options = {}) {
  let res = await send(method, path, options);
  if (res.status === 401 && !options.noRetry) {
    if (await refresh()) {
      res = await send(method, path, options);
    }
    if (res.status === 401) {
      accessToken = "";
      onSignedOut("expired");
    }
  }
  return res;
}

// refresh gets a new access token with the cookie; concurrent callers
// share one request.
export function refresh() {
  if (!refreshing) {
    refreshing = send("POST", "/auth/refresh", { body: {}, auth: false }).then((res) => {
      refreshing = null;
      if (res.ok && res.data && res.data.accessToken) {
        accessToken = res.data.accessToken;
        return true;
      }
      accessToken = "";
      return false;
    });
  }
  return refreshing;
}

export async function login(email, password) {
  const res = await send("POST", "/auth/login", { body: { email, password, refreshTokenCookie: true }, auth: false });
  if (res.ok && res.data) accessToken = res.data.accessToken;
  return res;
}

export async function changePassword(currentPassword, newPassword) {
  const res = await request("POST", "/auth/password/change", {
    body: { currentPassword, newPassword, refreshTokenCookie: true }
  });
  if (res.ok && res.data) accessToken = res.data.accessToken;
  return res;
}

// logout ends this session (the cookie names it) and clears the cookie.
export async function logout() {
  let res = await send("POST", "/auth/logout", { body: {} });
  if (res.status === 401 && (await refresh())) {
    res = await send("POST", "/auth/logout", { body: {} });
  }
  accessToken = "";
  return res;
}

// logoutAll ends every session of the person and clears the cookie.
export async function logoutAll() {
  const res = await request("POST", "/auth/logout-all");
  if (res.ok) accessToken = "";
  return res;
}

// forget drops the access token (tests, sign-out after failures).
export function forget() {
  accessToken = "";
}

export function get(path, query) {
  return request("GET", path + queryString(query));
}

export function queryString(query) {
  if (!query) return "";
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}

// etag of a response as the If-Match value the API wants back.
export function ifMatch(version) {
  return { "If-Match": '"' + version + '"' };
}

// idempotencyKey makes a retried mail-sending request safe.
export function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return { "Idempotency-Key": Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") };
}

// retryAfter reads Retry-After (seconds) of a 429, at least 1.
export function retryAfter(res) {
  const n = parseInt(res.headers.get("Retry-After") || "", 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}
