// Browser test: the bucketlist page in headless Chromium against the real
// stack (moto + spawn-fcgi worker + nginx, started by tests/integration/stack.py).
//
//   node tests/browser/page.test.mjs
//
// Env: CHROMIUM (default /usr/bin/chromium), PYTHON (python3).
// Saves tests/artifacts/page.png; the last line is "N passed, N failed".
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const artifacts = path.join(root, "tests", "artifacts");
const screenshot = path.join(artifacts, "page.png");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PYTHON = process.env.PYTHON || "python3";
const NAMES = ["alpha-logs-2024", "example.com.assets", "media.cdn-07", "zz-backups.1"];
const DEADLINE_MS = 240000;

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? ": " + detail : ""}`);
  }
}

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    check(name, false, String(err && err.stack ? err.stack.split("\n").slice(0, 3).join(" | ") : err));
  }
}

function startStack() {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(root, "tests", "integration", "stack.py"), "--serve",
      "--name", "browser", "--names", NAMES.join(","), "--lifetime", String(DEADLINE_MS / 1000 + 30)],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    const timer = setTimeout(() => reject(new Error("stack.py did not report within 120 s")), 120000);
    const rl = createInterface({ input: child.stdout });
    rl.once("line", (line) => {
      clearTimeout(timer);
      let info;
      try { info = JSON.parse(line); } catch (e) { reject(new Error("stack.py said: " + line)); return; }
      if (info.error) { reject(new Error("stack.py failed: " + info.error)); return; }
      resolve({ child, info });
    });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`stack.py exited with ${code}`)); });
  });
}

function stopStack(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) { resolve(); return; }
    const t = setTimeout(() => { try { child.kill("SIGKILL"); } catch (e) { /* gone */ } resolve(); }, 15000);
    child.once("exit", () => { clearTimeout(t); resolve(); });
    try { child.kill("SIGTERM"); } catch (e) { clearTimeout(t); resolve(); }
  });
}

async function main() {
  const watchdog = setTimeout(() => {
    console.log("FAIL the browser test ran past its deadline");
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }, DEADLINE_MS);

  let pw;
  try {
    pw = await import("playwright-core");
  } catch (e) {
    check("playwright-core is installed (scripts/install-deps.sh --browser)", false, String(e));
    return;
  }
  if (!existsSync(CHROMIUM)) {
    check(`chromium at ${CHROMIUM}`, false, "not found (scripts/install-deps.sh --browser)");
    return;
  }
  mkdirSync(artifacts, { recursive: true });

  let stack;
  let context;
  const profile = mkdtempSync(path.join(tmpdir(), "bucketlist-chromium-"));
  try {
    stack = await startStack();
    const url = stack.info.url;
    console.log(`stack at ${url}`);

    context = await pw.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 720 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"],
    });
    const page = context.pages()[0] || await context.newPage();
    const consoleErrors = [];
    page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });
    page.on("pageerror", (err) => consoleErrors.push("pageerror: " + err.message));
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });

    await step("page loads", async () => {
      const resp = await page.goto(url, { waitUntil: "load" });
      check("page loads with 200", resp.status() === 200, `status ${resp.status()}`);
      const csp = (await resp.allHeaders())["content-security-policy"] || "";
      check("page is served with a strict CSP", csp.includes("default-src 'none'") && csp.includes("script-src 'self'"), csp);
      check("title", (await page.title()) === "List my S3 buckets", await page.title());
      const href = await page.getAttribute("#load-buckets", "href");
      check("button is a link to /buckets", href === "/buckets", href);
      const styled = await page.$eval("#load-buckets", (a) => getComputedStyle(a).backgroundColor);
      check("stylesheet applied (not blocked by CSP)", !/^(transparent|rgba\(0, 0, 0, 0\))$/.test(styled), styled);
    });

    await step("click lists the buckets", async () => {
      await page.click("#load-buckets");
      await page.waitForFunction((n) => document.querySelectorAll("#result .bucket-name").length === n,
        NAMES.length, { timeout: 30000 });
      const names = await page.$$eval("#result .bucket-name", (els) => els.map((e) => e.textContent.trim()));
      check("the seeded bucket names are shown, sorted", JSON.stringify(names) === JSON.stringify([...NAMES].sort()),
        JSON.stringify(names));
      const count = await page.textContent("#result .bucket-count");
      check("bucket count shown", count !== null && count.includes(String(NAMES.length)), count);
      const busy = await page.getAttribute("#result", "aria-busy");
      check("loading indicator cleared", busy === "false", busy);
      check("still on the landing page (fetch, not navigation)", page.url() === url, page.url());
      await page.screenshot({ path: screenshot, fullPage: true });
      check("screenshot saved", existsSync(screenshot), screenshot);
    });

    await step("error fragment is shown", async () => {
      await page.route("**/buckets", (route) => route.fulfill({
        status: 502, contentType: "text/html; charset=utf-8",
        body: '<div class="error" role="alert"><p>S3 refused: AccessDenied (test)</p></div>',
      }));
      await page.click("#load-buckets");
      await page.waitForSelector("#result .error[role=alert]", { timeout: 10000 });
      const text = await page.textContent("#result .error");
      check("server error fragment displayed", text.includes("AccessDenied (test)"), text);
      await page.unroute("**/buckets");
      await page.route("**/buckets", (route) => route.abort("connectionrefused"));
      await page.click("#load-buckets");
      await page.waitForFunction(() => /reach the server/.test(document.querySelector("#result")?.textContent || ""),
        null, { timeout: 10000 });
      check("network failure displayed", true);
      await page.unroute("**/buckets");
    });

    await step("no CSP violations", async () => {
      const violations = await page.evaluate(() => window.__cspViolations);
      const cspConsole = consoleErrors.filter((t) => /Content Security Policy|Refused to/i.test(t));
      check("no CSP violations", violations.length === 0 && cspConsole.length === 0,
        JSON.stringify([...violations, ...cspConsole]));
      const other = consoleErrors.filter((t) => !/Failed to load resource|net::ERR_/i.test(t) && !cspConsole.includes(t));
      check("no script errors", other.length === 0, JSON.stringify(other));
    });

    await step("works without JavaScript", async () => {
      const noJs = await context.browser()?.newContext({ javaScriptEnabled: false });
      // A persistent context has no browser(): open a page with JS disabled via a fresh context page.
      const p2 = noJs ? await noJs.newPage() : await context.newPage();
      if (!noJs) {
        await p2.route("**/static/app.js", (route) => route.fulfill({ status: 200, contentType: "application/javascript", body: "" }));
      }
      await p2.goto(url);
      await Promise.all([p2.waitForURL("**/buckets"), p2.click("#load-buckets")]);
      const names = await p2.$$eval(".bucket-name", (els) => els.map((e) => e.textContent.trim()));
      check("without JS the link opens /buckets with the names", names.length === NAMES.length, JSON.stringify(names));
      await p2.close();
      if (noJs) await noJs.close();
    });
  } catch (err) {
    check("browser test setup", false, String(err && err.message ? err.message : err));
  } finally {
    if (context) await context.close().catch(() => {});
    if (stack) await stopStack(stack.child);
    rmSync(profile, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

await main();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
