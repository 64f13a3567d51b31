// The whole single sign-on in headless Chromium (puppeteer-core): the workbench's login page, the
// link to the municipality's login, the OpenID provider (tests/oidc_provider.mjs, on another site:
// localhost, while the workbench is 127.0.0.1), back through the callback to the workbench, logged in.
// Used by tests/test_web_oidc.py:  node tests/sso_browser.js <job.json>;  job = {"chromium", "userDataDir", "base"}
"use strict";

const fs = require("fs");
const puppeteer = require("puppeteer-core");

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const out = { visited: [], console: [] };
  const browser = await puppeteer.launch({
    executablePath: job.chromium, headless: true, userDataDir: job.userDataDir,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    page.on("console", (msg) => { if (msg.type() === "error") out.console.push(msg.text()); });
    page.on("request", (r) => { if (r.isNavigationRequest() && r.frame() === page.mainFrame()) out.visited.push(r.url()); });
    await page.goto(`${job.base}/login`, { waitUntil: "load", timeout: 60000 });
    await Promise.all([
      page.waitForNavigation({ waitUntil: "load", timeout: 60000 }),
      page.click('a[href="/auth/login"]'),
    ]);
    await page.waitForFunction(() => document.body && document.body.innerText.includes("logget ind som"),
      { timeout: 60000 });
    out.url = page.url();
    out.h1 = await page.$eval("h1", (h) => h.textContent.trim());
    out.text = await page.evaluate(() => document.body.innerText);
    const cookies = await page.cookies(job.base);
    out.session = cookies.filter((c) => c.name === "wb_session").map((c) => ({ sameSite: c.sameSite, httpOnly: c.httpOnly }));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
