// Browser test (issue 10): tests/browser/app, a front end written the way
// chai-backend front ends are, served on one port, against a real `usersvc
// serve` on another (--cors-origin), in Debian's Chromium driven by
// playwright-core (pinned in tools/package-lock.json).
//   node tests/browser/run.mjs path/to/usersvc
// Prints one line per check; on a failure it saves a screenshot and exits 1.
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkList, finish, launchChromium, root, startUsersvc } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node tests/browser/run.mjs path/to/usersvc");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "usersvc-browser-"));
const artifacts = process.env.USERSVC_BROWSER_ARTIFACTS || process.cwd();

// The front end's two files, and nothing else, on a port of their own.
function serveApp() {
  const files = {
    "/": ["index.html", "text/html; charset=utf-8"],
    "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": file[1] }).end(readFileSync(join(here, "app", file[0])));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const { checks, check } = checkList();

const app = await serveApp();
const appOrigin = `http://127.0.0.1:${app.address().port}`;
const usersvc = startUsersvc(binary, [
  "--data-dir",
  join(work, "data"),
  "--bcrypt-cost",
  "4",
  "--insecure-cookies",
  "--no-access-log",
  "--cors-origin",
  appOrigin,
  "--access-ttl",
  "3s",
]);
let browser;
let page;
let failed = false;
try {
  const api = await usersvc.started;
  // A channel to subscribe to, made the way a script would.
  const owner = await fetch(`${api}/api/v1/users/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "channel_owner", email: "owner@example.com", password: "password123" }),
  });
  if (owner.status !== 201) throw new Error(`registering the channel owner: ${owner.status}`);

  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`# page error: ${e.message}`));
  const status = page.locator("#status");
  const expectStatus = (text) =>
    page.waitForFunction((want) => document.getElementById("status").textContent === want, text, { timeout: 10000 });

  await check("the page loads signed out (Bearer null, no cookie)", async () => {
    await page.goto(`${appOrigin}/?api=${encodeURIComponent(api)}`);
    await page.waitForFunction(() => document.getElementById("profile").hidden === true);
  });

  await check("sign up with an avatar and a cover image (multipart, chai-backend field names)", async () => {
    const form = page.locator("#register");
    await form.locator("[name=fullName]").fill("Viewer One");
    await form.locator("[name=username]").fill("viewer_one");
    await form.locator("[name=email]").fill("viewer@example.com");
    await form.locator("[name=password]").fill("password123");
    await form.locator("[name=avatar]").setInputFiles(join(root, "tests/data/avatar.png"));
    await form.locator("[name=coverImage]").setInputFiles(join(root, "tests/data/cover.jpg"));
    await form.locator("button").click();
    await expectStatus("Account created for viewer_one");
  });

  await check("log in with the e-mail in the one 'Email or Username' box", async () => {
    const form = page.locator("#login");
    await form.locator("[name=identifier]").fill("Viewer@Example.com");
    await form.locator("[name=password]").fill("password123");
    await form.locator("button").click();
    await expectStatus("Welcome back, viewer_one");
    if ((await page.locator("#fullName").textContent()) !== "Viewer One") throw new Error("fullName not shown");
  });

  await check("the avatar (user.avatar) is rendered", async () => {
    await page.waitForFunction(
      () => {
        const img = document.getElementById("avatar");
        return img.src.startsWith("http") && img.complete && img.naturalWidth > 0;
      },
      null,
      { timeout: 10000 },
    );
  });

  await check("a reload without a stored token is signed in by the cookie (Bearer null beside it)", async () => {
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await expectStatus("Signed in as viewer_one");
  });

  await check(
    "subscribe to a channel: counts under chai-backend's names, the list shows channel.username",
    async () => {
      await page.locator("#find-channel [name=username]").fill("channel_owner");
      await page.locator("#find-channel button").click();
      await page.waitForFunction(() => document.getElementById("channel-name").textContent === "channel_owner");
      await page.locator("#subscribe").click();
      await page.waitForFunction(
        () =>
          document.getElementById("subscribers").textContent === "1" &&
          document.getElementById("subscribe").textContent === "Unsubscribe" &&
          document.getElementById("my-subscriptions").textContent.includes("channel_owner"),
        null,
        { timeout: 10000 },
      );
    },
  );

  await check("an expired access token is refreshed by the cookie and the request retried", async () => {
    const before = await page.evaluate(() => localStorage.getItem("accessToken"));
    await page.waitForTimeout(4000); // --access-ttl 3s: the stored token and the cookie expire
    await page.locator("#find-channel button").click();
    await page.waitForFunction(
      (old) => {
        const now = localStorage.getItem("accessToken");
        return now && now !== old;
      },
      before,
      { timeout: 10000 },
    );
    const text = await status.textContent();
    if (text.startsWith("Error")) throw new Error(`after expiry: ${text}`);
  });

  await check("log out: signed out, and the session no longer works", async () => {
    await page.locator("#logout").click();
    await expectStatus("Logged out");
    const after = await page.evaluate(async (base) => {
      const res = await fetch(`${base}/api/v1/users/current-user`, { credentials: "include" });
      return res.status;
    }, api);
    if (after !== 401) throw new Error(`current-user after logout: ${after}`);
  });
} catch (err) {
  failed = true;
  console.log(`not ok ${checks.length + 1} - ${err.message}`);
  if (page) {
    const shot = join(artifacts, "browser-failure.png");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`# screenshot: ${shot}`);
    console.log(
      `# status line: ${await page
        .locator("#status")
        .textContent()
        .catch(() => "?")}`,
    );
  }
} finally {
  app.close();
}
await finish({ checks, failed, browser, child: usersvc.child, work });
