// Browser test (issue 21): cookie-authenticated writes from another origin.
// A real `usersvc serve` with --insecure-cookies (SameSite=Lax, the default),
// three pages in Debian's Chromium, each on a port of its own on 127.0.0.1:
// - a front end behind its dev server's proxy (/api goes to usersvc, as Vite's
//   proxy does): it signs in and writes with the cookie alone;
// - a front end on a --cors-origin, writing with credentials: "include";
// - an attacker's page on another port of the same site: a form that
//   subscribes, a no-cors fetch that plants watch history, and a form that
//   logs out every session. Lax cookies ride along (same site), so usersvc
//   itself must refuse them.
//   node tests/browser/csrf.mjs path/to/usersvc
import { mkdtempSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkList, finish, launchChromium, startUsersvc } from "./harness.mjs";

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node tests/browser/csrf.mjs path/to/usersvc");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "usersvc-csrf-"));

// A page at "/" and, with `proxyTo`, everything under /api passed to usersvc
// with the browser's own headers (Host kept, as Vite's proxy does by default).
function servePage(html, proxyTo) {
  const server = createServer((req, res) => {
    if (proxyTo && req.url.startsWith("/api/")) {
      const target = new URL(proxyTo);
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}
const originOf = (server) => `http://127.0.0.1:${server.address().port}`;

const { checks, check } = checkList();
const blank = "<!doctype html><title>page</title><p>page</p>";
const listed = await servePage(blank);
const usersvc = startUsersvc(binary, [
  "--data-dir",
  join(work, "data"),
  "--bcrypt-cost",
  "4",
  "--insecure-cookies",
  "--no-access-log",
  "--cors-origin",
  originOf(listed),
]);
let proxied;
let attacker;
let browser;
let failed = false;
try {
  const api = await usersvc.started;
  proxied = await servePage(blank, api);
  const json = async (path, init = {}) => {
    const res = await fetch(`${api}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(init.headers || {}) },
    });
    return { status: res.status, body: await res.json() };
  };
  for (const name of ["viewer", "channel_a", "channel_b", "channel_c"]) {
    const res = await json("/api/v1/users/register", {
      method: "POST",
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password: "password123" }),
    });
    if (res.status !== 201) throw new Error(`registering ${name}: ${res.status}`);
  }
  const idOf = async (name) =>
    (
      await json("/api/v1/users/login", {
        method: "POST",
        body: JSON.stringify({ username: name, password: "password123" }),
      })
    ).body.data.user._id;
  const [channelA, channelB, channelC] = [await idOf("channel_a"), await idOf("channel_b"), await idOf("channel_c")];
  // What the viewer follows and has watched, asked with a Bearer token of its own.
  const viewerToken = (
    await json("/api/v1/users/login", {
      method: "POST",
      body: JSON.stringify({ username: "viewer", password: "password123" }),
    })
  ).body.data.accessToken;
  const asViewer = (path) => json(path, { headers: { Authorization: `Bearer ${viewerToken}` } });
  const viewerId = (await asViewer("/api/v1/users/current-user")).body.data._id;
  const follows = async () =>
    (await asViewer(`/api/v1/subscriptions/u/${viewerId}`)).body.data.map((s) => s.channel.username).sort();

  browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();

  await check("behind its dev server's proxy, a front end signs in and writes with the cookie alone", async () => {
    await page.goto(`${originOf(proxied)}/`);
    const result = await page.evaluate(async (channel) => {
      const login = await fetch("/api/v1/users/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: "viewer", password: "password123" }),
      });
      const toggle = await fetch(`/api/v1/subscriptions/c/${channel}`, { method: "POST" });
      return [login.status, toggle.status];
    }, channelA);
    if (result.join() !== "200,200") throw new Error(`login, subscribe: ${result}`);
    if ((await follows()).join() !== "channel_a") throw new Error(`follows ${await follows()}`);
  });

  await check("a --cors-origin front end writes with credentials: include", async () => {
    await page.goto(`${originOf(listed)}/`);
    const status = await page.evaluate(
      async ([base, channel]) => {
        const res = await fetch(`${base}/api/v1/subscriptions/c/${channel}`, {
          method: "POST",
          credentials: "include",
        });
        return res.status;
      },
      [api, channelB],
    );
    if (status !== 200) throw new Error(`subscribe from the listed origin: ${status}`);
    if ((await follows()).join() !== "channel_a,channel_b") throw new Error(`follows ${await follows()}`);
  });

  attacker = await servePage(`<!doctype html><title>prize</title>
    <form id="subscribe" method="post" action="${api}/api/v1/subscriptions/c/${channelC}"></form>
    <form id="logout" method="post" action="${api}/api/v1/users/logout?scope=global"></form>
    <p>You won!</p>`);

  await check("an attacker's page on another port cannot subscribe with a form", async () => {
    await page.goto(`${originOf(attacker)}/`);
    const [answer] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => document.getElementById("subscribe").submit()),
    ]);
    const status = answer.status();
    if (status !== 403) throw new Error(`the forged subscription was answered ${status}`);
    if ((await follows()).join() !== "channel_a,channel_b") throw new Error(`follows ${await follows()}`);
  });

  await check("nor plant watch history with a no-cors fetch", async () => {
    await page.goto(`${originOf(attacker)}/`);
    await page.evaluate(async (base) => {
      await fetch(`${base}/api/v1/users/watch-History`, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ videoId: "planted" }),
      });
    }, api);
    const history = (await asViewer("/api/v1/users/watch-History")).body.data;
    if (history.some((h) => h.videoId === "planted")) throw new Error("the forged history entry was stored");
  });

  await check("nor log every session out with ?scope=global", async () => {
    await page.goto(`${originOf(attacker)}/`);
    const [answer] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => document.getElementById("logout").submit()),
    ]);
    const status = answer.status();
    if (status !== 403) throw new Error(`the forged logout was answered ${status}`);
    const me = await asViewer("/api/v1/users/current-user");
    if (me.status !== 200) throw new Error(`the viewer's Bearer session after the forged logout: ${me.status}`);
  });

  await check("the proxied front end still works after the attack", async () => {
    await page.goto(`${originOf(proxied)}/`);
    const status = await page.evaluate(
      async (channel) => (await fetch(`/api/v1/subscriptions/c/${channel}`, { method: "POST" })).status,
      channelA,
    );
    if (status !== 200) throw new Error(`unsubscribe through the proxy: ${status}`);
    if ((await follows()).join() !== "channel_b") throw new Error(`follows ${await follows()}`);
  });
} catch (err) {
  failed = true;
  console.log(`not ok ${checks.length + 1} - ${err.message}`);
} finally {
  for (const server of [listed, proxied, attacker]) if (server) server.close();
}
await finish({ checks, failed, browser, child: usersvc.child, work });
