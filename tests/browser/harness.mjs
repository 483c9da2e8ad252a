// What both browser tests share: playwright-core as tools/ pins it, the
// usersvc child process, Debian's Chromium, and the numbered check lines.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(root, "tools", "package.json"));
const { chromium } = require("playwright-core");

// `usersvc serve --port 0 ARGS...`; `started` resolves with its base URL once
// it prints "listening on". Its stderr collects in `child.log`.
export function startUsersvc(binary, args) {
  const child = spawn(binary, ["serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.log = "";
  child.stderr.on("data", (chunk) => {
    child.log += chunk;
  });
  const started = new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/^listening on (\S+)/m);
      if (m) ok(m[1]);
    });
    child.on("exit", (code) => fail(new Error(`usersvc exited with ${code} before listening`)));
  });
  return { child, started };
}

// SIGTERM, then the exit code.
export async function stopUsersvc(child) {
  child.kill("SIGTERM");
  return new Promise((ok) => (child.exitCode !== null ? ok(child.exitCode) : child.on("exit", ok)));
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// `check(name, body)` runs one check and prints "ok N - name"; `checks` lists the passed ones.
export function checkList() {
  const checks = [];
  async function check(name, body) {
    await body();
    checks.push(name);
    console.log(`ok ${checks.length} - ${name}`);
  }
  return { checks, check };
}

// The end of every browser test: closes the browser, stops usersvc (a non-zero
// exit fails the test; on a failure its log is shown, through `redact`), removes
// the work directory, prints "N passed, N failed" and exits with the verdict.
export async function finish({ checks, failed, browser, child, work, redact = (text) => text }) {
  if (browser) await browser.close();
  const code = await stopUsersvc(child);
  if (code !== 0) {
    failed = true;
    console.log(`# usersvc exited with ${code}`);
  }
  if (failed) console.log(redact(child.log).replace(/^/gm, "# usersvc: "));
  rmSync(work, { recursive: true, force: true });
  console.log(`${checks.length} passed, ${failed ? 1 : 0} failed`);
  process.exit(failed ? 1 : 0);
}
