// Browser test of the developer console (issue 14): `usersvc serve` with a
// fixed --console-token, the console at /_/ in Debian's Chromium driven by
// playwright-core (pinned in tools/package-lock.json).
//   node tests/browser/console.mjs path/to/usersvc
// Prints one line per check. Each page is photographed as the checks pass; on
// a failure those screenshots and one of the failing page are copied to
// USERSVC_BROWSER_ARTIFACTS (console-*.png) and it exits 1. With
// USERSVC_CONSOLE_SCREENSHOTS set to a directory, they are kept there (README).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkList, finish, launchChromium, root, startUsersvc } from "./harness.mjs";

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node tests/browser/console.mjs path/to/usersvc");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "usersvc-console-"));
const artifacts = process.env.USERSVC_BROWSER_ARTIFACTS || process.cwd();
const shots = process.env.USERSVC_CONSOLE_SCREENSHOTS || join(work, "shots");
mkdirSync(shots, { recursive: true });
const token = "console-test-token-0123456789abcdef0123456789";
const avatar = join(root, "tests", "data", "avatar.png");

const { child, started } = startUsersvc(binary, [
  "--data-dir",
  join(work, "data"),
  "--bcrypt-cost",
  "4",
  "--insecure-cookies",
  "--console-token",
  token,
]);
const { checks, check } = checkList();

async function json(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

let browser;
let page;
let failed = false;
const dialogs = [];
try {
  const base = await started;
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`# page error: ${e.message}`));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  const snap = (name) => page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: true });

  // Issue 21 changed this on purpose: the printed address carried the token,
  // which stayed in the browser's history; it now carries a one-time code, and
  // a token the operator chose is never echoed.
  let code;
  await check("serve prints the console's address with a one-time code, and not the token it was given", async () => {
    const m = child.log.match(/^console: (\S+)\/_\/#code=([0-9a-f]{32}) /m);
    if (!m) throw new Error(`no console line in: ${child.log}`);
    code = m[2];
    if (child.log.includes(token)) throw new Error("the operator's token was echoed");
  });

  await check("without the token the page shows a sign-in box and the admin API answers 401", async () => {
    await page.goto(base + "/_/");
    await page.locator("#sign-in").waitFor();
    const res = await json(base, "GET", "/api/v1/admin/users");
    if (res.status !== 401) throw new Error(`admin API without a token: ${res.status}`);
    const wrong = await json(base, "GET", "/api/v1/admin/users", undefined, { Authorization: "Bearer nope" });
    if (wrong.status !== 401) throw new Error(`admin API with a wrong token: ${wrong.status}`);
    await snap("sign-in");
  });

  await check(
    "the console opens from the one-time code, which leaves the address bar and then opens nothing",
    async () => {
      await page.goto(`${base}/_/#code=${code}`);
      await page.locator("#users").waitFor();
      if (page.url().includes(code)) throw new Error("the code stayed in the URL");
      const other = await browser.newPage(); // another tab: no token in its sessionStorage
      await other.goto(`${base}/_/#code=${code}`);
      await other.locator("#sign-in").waitFor();
      await other.close();
      const again = await json(base, "POST", "/api/v1/admin/sign-in", { code });
      if (again.status !== 401) throw new Error(`a used code answered ${again.status}`);
    },
  );

  await check("the console opens with the token from the URL, which leaves the address bar", async () => {
    await page.goto(`${base}/_/#token=${token}`);
    await page.locator("#users").waitFor();
    if (page.url().includes(token)) throw new Error("the token stayed in the URL");
  });

  let userId;
  await check("a user created with an avatar shows in the list with the image loaded", async () => {
    await page.goto(`${base}/_/#/create`);
    const form = page.locator("#create-user");
    await form.locator("[name=username]").fill("console_made");
    await form.locator("[name=email]").fill("made@x.io");
    await form.locator("[name=password]").fill("first-password-1");
    await form.locator("[name=fullName]").fill("Made In Console");
    await form.locator("[name=Avatar]").setInputFiles(avatar);
    await snap("create");
    await form.locator("button[type=submit]").click();
    await page.locator("#profile").waitFor();
    userId = page.url().split("#/users/")[1];
    await page.goto(`${base}/_/#/users`);
    const row = page.locator(`tr[data-user="${userId}"]`);
    await row.waitFor();
    const width = await row.locator("img.thumb").evaluate(async (img) => {
      if (!img.complete) await new Promise((ok) => img.addEventListener("load", ok, { once: true }));
      return img.naturalWidth;
    });
    if (!(width > 0)) throw new Error(`the avatar did not load (naturalWidth ${width})`);
    await snap("users");
  });

  await check(
    "a session opened over the API shows, is revoked from the console, and its token is refused at once",
    async () => {
      const login = await json(base, "POST", "/api/v1/users/login", {
        username: "console_made",
        password: "first-password-1",
      });
      if (login.status !== 200) throw new Error(`login: ${login.status}`);
      const access = login.body.data.AccessToken;
      const me = () => json(base, "GET", "/api/v1/users/getUser", undefined, { Authorization: `Bearer ${access}` });
      if ((await me()).status !== 200) throw new Error("the new token does not work");
      await page.goto(`${base}/_/#/users/${userId}`);
      const sessions = page.locator("#sessions tbody tr");
      await sessions.first().waitFor();
      if ((await sessions.count()) !== 1) throw new Error(`sessions shown: ${await sessions.count()}`);
      await snap("user");
      await sessions.first().locator("button.revoke").click();
      await page.locator("#sessions tbody tr").first().waitFor({ state: "detached" });
      const after = await me();
      if (after.status !== 401) throw new Error(`the revoked token still works: ${after.status}`);
    },
  );

  await check("a password set in the console logs in, and the old one does not", async () => {
    await page.goto(`${base}/_/#/users/${userId}`);
    await page.locator("#set-password [name=password]").fill("second-password-2");
    await page.locator("#set-password button").click();
    await page.waitForTimeout(300);
    const fresh = await json(base, "POST", "/api/v1/users/login", {
      username: "console_made",
      password: "second-password-2",
    });
    if (fresh.status !== 200) throw new Error(`login with the new password: ${fresh.status}`);
    const old = await json(base, "POST", "/api/v1/users/login", {
      username: "console_made",
      password: "first-password-1",
    });
    if (old.status !== 401) throw new Error(`login with the old password: ${old.status}`);
  });

  await check("a name written as HTML renders as text, and no dialog opens", async () => {
    const xss = "<img src=x onerror=alert(1)>";
    const reg = await json(base, "POST", "/api/v1/users/register", {
      username: "xss_name",
      email: "xss@x.io",
      password: "password123",
      fullName: xss,
    });
    if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
    await page.goto(`${base}/_/#/users`);
    const cell = page.locator(`tr[data-user="${reg.body.data._id}"] td.full-name`);
    await cell.waitFor();
    if ((await cell.textContent()) !== xss) throw new Error(`shown as: ${await cell.textContent()}`);
    if ((await cell.locator("img").count()) !== 0) throw new Error("the name became an element");
    await page.goto(`${base}/_/#/users/${reg.body.data._id}`);
    await page.locator("#profile").waitFor();
    await page.waitForTimeout(300);
    if (dialogs.length) throw new Error(`a dialog opened: ${dialogs.join(", ")}`);
  });

  await check("the activity page lists recent requests and a locked-out identifier, which unlocks", async () => {
    for (let i = 0; i < 10; ++i)
      await json(base, "POST", "/api/v1/users/login", { username: "xss_name", password: `wrong-${i}` });
    await page.goto(`${base}/_/#/activity`);
    await page.locator("#requests").waitFor();
    if (!(await page.locator("#requests").textContent()).includes("/api/v1/users/login"))
      throw new Error("the logins are not listed");
    const lockout = page.locator("#lockouts tr", { hasText: "xss_name" });
    await lockout.waitFor();
    await snap("activity");
    await lockout.locator("button").click();
    await lockout.waitFor({ state: "detached" });
    const ok = await json(base, "POST", "/api/v1/users/login", { username: "xss_name", password: "password123" });
    if (ok.status !== 200) throw new Error(`login after unlock: ${ok.status}`);
  });

  await check("the token is never in the server's log", async () => {
    // Not even on the console line any more (issue 21).
    if (child.log.includes(token)) throw new Error("the token was logged");
  });
} catch (err) {
  failed = true;
  console.log(`not ok ${checks.length + 1} - ${err.message}`);
  if (page) {
    const shot = join(artifacts, "console-failure.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`# screenshot: ${shot}`);
    for (const file of readdirSync(shots)) copyFileSync(join(shots, file), join(artifacts, file));
    console.log(`# screenshots of the pages that passed: ${artifacts}/console-*.png`);
  }
}
await finish({ checks, failed, browser, child, work, redact: (text) => text.replaceAll(token, "***") });
