// Drives the pages in jsdom with a fake fetch: token handling, API
// routes, client-side checks, 422/400/500/network answers, languages.
// Run by TestPagesInBrowser when node and jsdom are installed:
//   node browser.js accept.html reset.html confirm.html
const { JSDOM } = require("jsdom");
const fs = require("fs");
const assert = require("assert");
const [ACCEPT, RESET, CONFIRM] = process.argv.slice(2);

function load(file, url, responses, lang) {
  const calls = [];
  const dom = new JSDOM(fs.readFileSync(file, "utf8"), {
    url, runScripts: "dangerously", pretendToBeVisual: true,
    beforeParse(window) {
      if (lang) Object.defineProperty(window.navigator, "languages", { value: [lang] });
      window.fetch = async (u, opts) => {
        calls.push({ url: u, body: JSON.parse(opts.body) });
        const r = responses.shift();
        if (!r) throw new TypeError("network");
        const headers = new Map(Object.entries(r.headers || {}));
        return { status: r.status, headers: { get: (k) => headers.get(k) || null }, json: async () => r.json };
      };
    }
  });
  return { dom, calls, w: dom.window, $: (id) => dom.window.document.getElementById(id) };
}
const tick = () => new Promise((r) => setTimeout(r, 20));
const problem = (status, code, errors) => ({ status, headers: { "Content-Type": "application/problem+json", "X-Request-Id": "req-42" }, json: { status, code, errors } });

(async () => {
  // Accept: happy path through a 422 to a 204, customer realm under a stage.
  let p = load(ACCEPT, "https://api.example.com/prod/accept-invitation?for=customer#token=TOK", [
    { status: 200, headers: { "Content-Type": "application/json" }, json: { email: "anna@x.nl", firstName: "Anna", lastName: "Smit", expiresAt: "2026-11-30T14:05:00Z", kind: "invitation" } },
    problem(422, "validation_failed", [{ field: "password", code: "weak_password", message: "does not meet the password policy" }, { field: "other", message: "Other thing" }]),
    { status: 204, headers: {} }
  ], "nl-NL");
  await tick();
  assert.strictEqual(p.w.location.href, "https://api.example.com/prod/accept-invitation?for=customer");
  assert.strictEqual(p.calls[0].url, "https://api.example.com/prod/customer-auth/invitations/inspect");
  assert.deepStrictEqual(p.calls[0].body, { token: "TOK" });
  assert.strictEqual(p.$("form").hidden, false);
  assert.strictEqual(p.$("firstName").value, "Anna");
  assert.strictEqual(p.$("email").value, "anna@x.nl");
  assert.strictEqual(p.w.document.documentElement.lang, "nl");
  if (process.env.VERBOSE) console.log("welcome:", p.$("welcome").textContent, "|", p.$("expiry").textContent);
  console.log("title:", p.w.document.title, "| label:", p.w.document.querySelector('label[for=password]').textContent);

  const submit = () => p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true }));
  p.$("password").value = "short"; p.$("confirm").value = "other";
  submit(); await tick();
  assert.strictEqual(p.calls.length, 1, "no request on client-side errors");
  console.log("client errors:", p.$("password-error").textContent, "|", p.$("confirm-error").textContent);
  assert.strictEqual(p.w.document.activeElement.id, "password");

  p.$("password").value = "long enough password"; p.$("confirm").value = "long enough password";
  p.$("toggle").click();
  assert.strictEqual(p.$("password").type, "text");
  assert.strictEqual(p.$("toggle").getAttribute("aria-pressed"), "true");
  submit(); await tick();
  assert.deepStrictEqual(p.calls[1], { url: "https://api.example.com/prod/customer-auth/invitations/accept", body: { token: "TOK", password: "long enough password", firstName: "Anna", lastName: "Smit" } });
  console.log("422:", p.$("password-error").textContent, "| alert:", p.$("alert").textContent);
  // By its code in the page's language; a field error without a known code keeps the API's words.
  assert.ok(p.$("password-error").textContent.startsWith("Dit wachtwoord voldoet niet"), p.$("password-error").textContent);
  assert.ok(p.$("alert").textContent.includes("Other thing"), p.$("alert").textContent);
  assert.strictEqual(p.$("form").hidden, false);
  submit(); await tick();
  assert.strictEqual(p.$("form").hidden, true);
  assert.strictEqual(p.$("password").value, "");
  console.log("done:", p.$("status").textContent, "| alert empty:", p.$("alert").textContent === "");

  // Accept: invalid token on inspect, staff realm, no stage.
  p = load(ACCEPT, "https://h.example/accept-invitation#token=OLD", [problem(400, "invalid_token")]);
  await tick();
  assert.strictEqual(p.calls[0].url, "https://h.example/auth/invitations/inspect");
  assert.strictEqual(p.$("form").hidden, true);
  console.log("invalid:", p.$("alert").textContent);

  // Accept: server error shows the request id and a retry.
  p = load(ACCEPT, "https://h.example/accept-invitation#token=X", [problem(500, "internal"), problem(400, "invalid_token")], "de");
  await tick();
  console.log("500:", p.$("alert").textContent, "| retry shown:", !p.$("retry-box").hidden);
  assert.ok(p.$("alert").textContent.includes("req-42"));
  p.$("retry").click(); await tick();
  assert.strictEqual(p.calls.length, 2);

  // Accept: no token at all makes no request.
  p = load(ACCEPT, "https://h.example/accept-invitation", []);
  await tick();
  assert.strictEqual(p.calls.length, 0);
  assert.strictEqual(p.$("loading").hidden, true);

  // Reset: nothing is requested on open; submit posts newPassword.
  p = load(RESET, "https://h.example/stage/reset-password/#token=R1", [
    problem(422, "validation_failed", [{ field: "newPassword", code: "too_long", max: 256, message: "must be at most 256 characters" }]),
    problem(400, "invalid_token")
  ], "de-AT");
  await tick();
  assert.strictEqual(p.calls.length, 0, "opening the page must not call the API");
  assert.strictEqual(p.w.location.hash, "");
  assert.strictEqual(p.$("form").hidden, false);
  p.$("password").value = "another long password"; p.$("confirm").value = "another long password";
  p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true })); await tick();
  assert.deepStrictEqual(p.calls[0], { url: "https://h.example/stage/auth/password/reset", body: { token: "R1", newPassword: "another long password" } });
  assert.strictEqual(p.$("password-error").textContent, "Verwende höchstens 256 Zeichen.");
  p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true })); await tick();
  assert.strictEqual(p.$("form").hidden, true);
  console.log("reset invalid (de):", p.$("alert").textContent);

  // Reset: network failure.
  p = load(RESET, "https://h.example/reset-password#token=R2", []);
  p.$("password").value = "another long password"; p.$("confirm").value = "another long password";
  p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true })); await tick();
  console.log("network:", p.$("alert").textContent, "| button:", p.$("submit").textContent, p.$("submit").disabled);

  // Confirm a new address: nothing is requested on open; the button posts
  // the token to the customer API under the stage; a 500 leaves the form
  // for another try; the 200 names the new address.
  p = load(CONFIRM, "https://api.example.com/prod/confirm-email?for=customer#token=C1", [
    problem(500, "internal"),
    { status: 200, headers: { "Content-Type": "application/json" }, json: { email: "anna.new@x.nl" } }
  ], "nl-BE");
  await tick();
  assert.strictEqual(p.calls.length, 0, "opening the page must not call the API");
  assert.strictEqual(p.w.location.href, "https://api.example.com/prod/confirm-email?for=customer");
  assert.strictEqual(p.w.document.documentElement.lang, "nl");
  assert.strictEqual(p.w.document.title, "Bevestig je nieuwe inlogadres");
  assert.strictEqual(p.$("form").hidden, false);
  const confirmIt = () => p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true }));
  confirmIt(); await tick();
  assert.deepStrictEqual(p.calls[0], { url: "https://api.example.com/prod/customer-auth/email-change/confirm", body: { token: "C1" } });
  assert.ok(p.$("alert").textContent.includes("req-42"));
  assert.strictEqual(p.$("form").hidden, false);
  assert.strictEqual(p.$("submit").disabled, false);
  confirmIt(); await tick();
  assert.strictEqual(p.calls.length, 2);
  assert.strictEqual(p.$("form").hidden, true);
  assert.ok(p.$("status").textContent.includes("anna.new@x.nl"));
  assert.strictEqual(p.$("alert").textContent, "");
  console.log("confirm done (nl):", p.$("status").textContent);

  // Confirm: a dead link (staff API, no stage), then an address taken meanwhile.
  p = load(CONFIRM, "https://h.example/confirm-email#token=OLD", [problem(400, "invalid_token")], "de");
  p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true })); await tick();
  assert.strictEqual(p.calls[0].url, "https://h.example/auth/email-change/confirm");
  assert.strictEqual(p.$("form").hidden, true);
  console.log("confirm invalid (de):", p.$("alert").textContent);
  p = load(CONFIRM, "https://h.example/confirm-email#token=T", [problem(409, "email_taken")]);
  p.$("form").dispatchEvent(new p.w.Event("submit", { cancelable: true })); await tick();
  assert.strictEqual(p.$("form").hidden, true);
  assert.ok(p.$("alert").textContent.includes("another account"));
  console.log("confirm taken:", p.$("alert").textContent);

  // Confirm: no token makes no request and says the link is invalid.
  p = load(CONFIRM, "https://h.example/confirm-email", []);
  await tick();
  assert.strictEqual(p.calls.length, 0);
  assert.strictEqual(p.$("form").hidden, true);
  assert.ok(p.$("alert").textContent.includes("no longer valid"));
  console.log("ALL OK");
})().catch((e) => { console.error(e); process.exit(1); });
