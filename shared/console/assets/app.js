// The console's entry point: the session (silent refresh on load), the top
// banner, the account menu, sign-in, and the router that shows one view at
// a time under /console/... (History API; views load on first use).
import * as api from "./api.js";
import { t, pick, setLanguage, language, LANGUAGES } from "./i18n.js";
import { allowedScreens, sections, screenFor, safeNext } from "./state.js";
import { h, tabs, field, showProblem, showAlert, problemText, openDialog, dialogShell, confirmDialog, setBusy, toast, popup, clearFieldErrors, setFieldError } from "./ui.js";

const prefix = api.apiBase(import.meta.url);
const root = prefix + "/console";
const build = new URL(".", import.meta.url).pathname; // /console/<build>/

let me = null;
let notice = ""; // shown once on the sign-in page
let cleanup = null;


function can(perm) {
  return !!me && me.permissions.includes(perm);
}

// --- routing ------------------------------------------------------------------

// navigate shows url's screen; the promise settles once it is drawn.
export function navigate(url, { replace } = {}) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  return render();
}

function appPath() {
  const p = location.pathname;
  return p.startsWith(root) ? p.slice(root.length).replace(/^\/+|\/+$/g, "") : "";
}

function currentAddress() {
  return location.pathname + location.search;
}

async function render() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const path = appPath();
  const view = document.getElementById("view");
  renderBanner(path);
  if (!me) {
    if (path !== "sign-in") {
      const next = currentAddress();
      history.replaceState(null, "", root + "/sign-in" + (next !== root ? "?next=" + encodeURIComponent(next) : ""));
    }
    return showSignIn(view);
  }
  if (path === "sign-in") {
    return navigate(safeNext(new URLSearchParams(location.search).get("next"), root), { replace: true });
  }
  const screens = allowedScreens(me.permissions);
  if (path === "") return showHome(view, sections(me.permissions));
  const section = screens.find((s) => s.path.startsWith(path + "/"));
  if (section) return navigate(root + "/" + section.path, { replace: true }); // "users" → its first tab
  const found = screenFor(path);
  if (!found || !can(found.screen.perm)) return showNotFound(view);
  const { screen, sub } = found;
  view.replaceChildren(h("p", { class: "loading" }, t("loading")));
  const mod = await import(build + screen.module);
  if (appPath() !== path) return; // navigated away meanwhile
  cleanup = await mod.render({
    root: view, me, can, navigate, t, sub,
    base: root + "/" + screen.path,
    home: root,
    tabs: sectionTabs(screen),
    params: new URLSearchParams(location.search)
  });
  focusHeading(view);
}

// sectionTabs links the screens of a section (Users: staff, customers) the
// person may see; null for a screen alone in its section.
function sectionTabs(screen) {
  if (!screen.tab) return null;
  const section = screen.path.split("/")[0];
  const mine = allowedScreens(me.permissions).filter((s) => s.path.split("/")[0] === section);
  return tabs(t(section + ".tabs"), mine.map((s) => ({ href: root + "/" + s.path, label: t(s.tab), current: s === screen })));
}

function focusHeading(view) {
  const heading = view.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
    document.title = heading.textContent + " – " + t("appName");
  }
}

// Links inside the console navigate without a page load.
document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[href]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
  if (a.getAttribute("href").startsWith("#")) return; // the skip link
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(root) || url.pathname.startsWith(build)) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => render());

// --- banner -----------------------------------------------------------------

function renderBanner(path) {
  const banner = document.getElementById("banner");
  const brand = h("a", { class: "brand", href: root }, t("appName"));
  const nav = h("nav", { "aria-label": t("nav.label") });
  const list = h("ul");
  if (me) {
    for (const s of sections(me.permissions)) {
      const section = s.path.split("/")[0];
      const current = path === section || path.startsWith(section + "/");
      list.append(h("li", null, h("a", { href: root + "/" + s.path, "aria-current": current ? "page" : null }, t(s.nav))));
    }
  }
  nav.append(list);
  banner.replaceChildren(brand, nav, me ? accountMenu() : signInButton(path));
}

function signInButton(path) {
  if (path === "sign-in") return languagePicker(false);
  return h("a", { class: "button secondary", href: root + "/sign-in" }, t("signIn.button"));
}

function languagePicker(save) {
  const id = save ? "account-language" : "sign-in-language";
  const select = h("select", { id, onchange: () => changeLanguage(select.value, save) },
    LANGUAGES.map((l) => h("option", { value: l, selected: l === language(), lang: l }, t("lang." + l))));
  return h("div", { class: "language" }, h("label", { for: id }, t("account.language")), select);
}

async function changeLanguage(l, save) {
  // The language switches together with the banner drawn in it (render
  // draws the banner before its first await): switched earlier, a menu
  // opened while the choice is saved would be drawn again, closed.
  let said = "";
  if (save && me) {
    const res = await api.request("PATCH", "/auth/me", { body: { locale: l }, headers: api.ifMatch(me.version) });
    if (res.ok) me = res.data;
    setLanguage(l);
    said = res.ok ? t("account.languageSaved") : problemText(res);
  } else {
    setLanguage(l);
  }
  await render();
  if (said) toast(said);
  const again = document.getElementById(save ? "account-language" : "sign-in-language");
  if (save) {
    const button = document.getElementById("account-button");
    if (button) button.focus();
  } else if (again) again.focus();
}

function accountMenu() {
  const name = [me.firstName, me.lastName].filter(Boolean).join(" ") || me.email;
  const button = h("button", { type: "button", id: "account-button", class: "account-button", "aria-controls": "account-menu", "aria-label": t("account.menu", { name }) }, name);
  const menu = h("div", { id: "account-menu", class: "menu", hidden: true },
    h("p", { class: "hint" }, t("account.signedInAs", { email: me.email })),
    h("button", { type: "button", onclick: () => { close(false); changePasswordDialog(); } }, t("account.changePassword")),
    languagePicker(true),
    h("button", { type: "button", id: "sign-out", onclick: () => signOut(false) }, t("account.signOut")),
    h("button", { type: "button", id: "sign-out-everywhere", onclick: () => signOut(true) }, t("account.signOutEverywhere")));
  const close = popup(button, menu);
  return h("div", { class: "account" }, button, menu);
}

async function signOut(everywhere) {
  if (everywhere) {
    const ok = await confirmDialog({ title: t("account.signOutEverywhere") + "?", text: t("account.signOutEverywhereText"), confirmLabel: t("account.signOutEverywhere"), danger: true });
    if (!ok) return;
    const res = await api.logoutAll();
    if (!res.ok && res.status !== 401) return toast(problemText(res));
  } else {
    await api.logout();
  }
  me = null;
  notice = t("signIn.signedOut");
  navigate(root + "/sign-in", { replace: true });
}

function changePasswordDialog() {
  const { dialog, body } = dialogShell(t("password.title"));
  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const form = h("form", { novalidate: true },
    h("input", { type: "email", name: "username", autocomplete: "username", value: me.email, hidden: true, readOnly: true }),
    field({ name: "currentPassword", label: t("password.current"), type: "password", autocomplete: "current-password", required: true }),
    field({ name: "newPassword", label: t("password.new"), type: "password", autocomplete: "new-password", required: true, minlength: 12, hint: t("password.hint") }),
    field({ name: "confirm", label: t("password.confirm"), type: "password", autocomplete: "new-password", required: true, minlength: 12 }));
  const submit = h("button", { type: "submit", class: "primary" }, t("password.save"));
  form.append(h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const v = (n) => form.elements[n].value;
    let bad = false;
    if (!v("currentPassword")) bad = setFieldError(form, "currentPassword", t("required"));
    if ([...v("newPassword")].length < 12) bad = setFieldError(form, "newPassword", t("password.tooShort"));
    if (v("confirm") !== v("newPassword")) bad = setFieldError(form, "confirm", t("password.mismatch"));
    if (bad) return form.querySelector('[aria-invalid="true"]').focus();
    setBusy(submit, true);
    const res = await api.changePassword(v("currentPassword"), v("newPassword"));
    setBusy(submit, false);
    if (!res.ok) return showProblem(form, res, alertEl);
    for (const n of ["currentPassword", "newPassword", "confirm"]) form.elements[n].value = "";
    dialog.close();
    toast(t("password.done"));
  });
  body.append(alertEl, form);
  // The menu item that opened it is hidden by then: back to the menu's button.
  dialog.returnFocus = document.getElementById("account-button");
  openDialog(dialog);
}

// --- screens of the shell -----------------------------------------------------

function showSignIn(view) {
  document.title = t("signIn.title") + " – " + t("appName");
  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const statusEl = h("div", { class: "status", role: "status" }, notice);
  notice = "";
  const form = h("form", { class: "card narrow", novalidate: true },
    h("h1", { tabindex: "-1" }, t("signIn.title")),
    statusEl, alertEl,
    h("p", null, t("signIn.intro")),
    field({ name: "email", label: t("email"), type: "email", autocomplete: "username", required: true, spellcheck: false }),
    field({ name: "password", label: t("password"), type: "password", autocomplete: "current-password", required: true }));
  const submit = h("button", { type: "submit", class: "primary", id: "sign-in-submit" }, t("signIn.submit"));
  form.append(submit, h("p", { class: "hint" }, t("signIn.forgot")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    showAlert(alertEl, "");
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    let bad = false;
    if (!email) bad = setFieldError(form, "email", t("required"));
    if (!password) bad = setFieldError(form, "password", t("required"));
    if (bad) return form.querySelector('[aria-invalid="true"]').focus();
    setBusy(submit, true);
    const res = await api.login(email, password);
    setBusy(submit, false);
    if (!res.ok) {
      form.elements.password.value = "";
      return showProblem(form, res, alertEl);
    }
    form.elements.password.value = "";
    me = res.data.user;
    setLanguage(me.locale);
    navigate(safeNext(new URLSearchParams(location.search).get("next"), root), { replace: true });
  });
  view.replaceChildren(form);
  const heading = form.querySelector("h1");
  heading.focus({ preventScroll: true });
  if (statusEl.textContent) statusEl.focus();
}

function showHome(view, screens) {
  const name = me.firstName || me.email;
  view.replaceChildren(h("section", { class: "card" },
    h("h1", null, t("home.title", { name })),
    h("p", null, screens.length ? t("home.intro") : t("home.nothing")),
    screens.length ? h("ul", null, screens.map((s) => h("li", null, h("a", { href: root + "/" + s.path }, t(s.nav))))) : null));
  focusHeading(view);
}

function showNotFound(view) {
  view.replaceChildren(h("section", { class: "card" }, h("h1", null, t("notFound.title")), h("p", null, t("notFound.text"))));
  focusHeading(view);
}

// --- start ----------------------------------------------------------------------

async function start() {
  setLanguage(pick(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]));
  api.configure({
    base: prefix,
    onSignedOut: () => {
      if (!me) return;
      me = null;
      notice = t("signIn.expired");
      render();
    }
  });
  document.querySelector(".skip").textContent = t("skip");
  // A reload: the cookie (if any) gives a new access token silently.
  if (await api.refresh()) {
    const res = await api.request("GET", "/auth/me");
    if (res.ok) {
      me = res.data;
      setLanguage(me.locale);
    }
  }
  document.querySelector(".skip").textContent = t("skip");
  await render();
}

start();
