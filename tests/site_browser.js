// Opens pages of the generated website in headless Chromium (puppeteer-core) and reports, as JSON on
// stdout: axe-core violations, console errors, failed requests, page size, horizontal overflow,
// web-font status and whether the first why-tooltip shows on keyboard focus; takes screenshots.
// Used by tests/test_site.py:  node tests/site_browser.js <job.json>
//   job = {"chromium": "/usr/bin/chromium", "userDataDir": "...", "outDir": "...",
//          "widths": [1280, 375], "pages": [{"name": "index", "url": "file:///.../index.html"}]}
"use strict";

const fs = require("fs");
const path = require("path");
const puppeteer = require("puppeteer-core");

const AXE = require.resolve("axe-core/axe.min.js");

async function inspect(browser, job, spec) {
  const result = { name: spec.name, url: spec.url, console: [], failed: [], widths: {} };
  for (const width of job.widths) {
    const page = await browser.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") result.console.push(msg.text());
    });
    page.on("pageerror", (err) => result.console.push(String(err)));
    page.on("requestfailed", (req) => result.failed.push(`${req.url()} ${req.failure().errorText}`));
    await page.setViewport({ width, height: 900, deviceScaleFactor: 1 });
    await page.goto(spec.url, { waitUntil: "load" });
    await page.evaluate(() => document.fonts.ready);
    const shot = path.join(job.outDir, `${spec.name}-${width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    const layout = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      scrollWidth: document.documentElement.scrollWidth,
      fonts: [...document.fonts].map((f) => ({ family: f.family, weight: f.weight, status: f.status })),
      bodyFont: getComputedStyle(document.body).fontFamily,
      images: [...document.images].map((img) => ({ src: img.getAttribute("src"), width: img.naturalWidth })),
    }));
    result.widths[width] = { screenshot: shot, ...layout };
    if (width === job.widths[0]) {
      await page.addScriptTag({ path: AXE });
      const axe = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"], preload: false });
        return r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
        }));
      });
      result.violations = axe;
      // Keyboard: tab to the first element with a tooltip and read what is shown.
      result.tooltip = await page.evaluate(() => {
        const el = document.querySelector(".has-tip");
        if (!el) return null;
        el.focus();
        const tip = document.getElementById(el.getAttribute("aria-describedby"));
        return {
          focused: document.activeElement === el,
          display: tip ? getComputedStyle(tip).display : null,
          text: tip ? tip.textContent : null,
        };
      });
    }
    await page.close();
  }
  return result;
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const browser = await puppeteer.launch({
    executablePath: job.chromium,
    headless: true,
    userDataDir: job.userDataDir,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync",
    ],
  });
  try {
    const results = [];
    for (const spec of job.pages) results.push(await inspect(browser, job, spec));
    process.stdout.write(JSON.stringify(results));
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
