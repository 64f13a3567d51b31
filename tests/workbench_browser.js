// A whole update round in the workbench, in headless Chromium (puppeteer-core), by keyboard where a
// person would type or press Enter. Reports as JSON on stdout: what each step saw, axe-core
// violations per page, console errors (a CSP violation would be one) and the downloaded pack.zip.
// Used by tests/test_web_browser.py:  node tests/workbench_browser.js <job.json>
//   job = {"chromium", "userDataDir", "downloadDir", "base", "token", "barometer",
//          "badWorkbook", "goodWorkbook", "oldSentence", "newSentence", "reason", "addition", "packName",
//          "screenshotDir"}
"use strict";

const fs = require("fs");
const path = require("path");
const puppeteer = require("puppeteer-core");

const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  // Runtime.evaluate is not subject to the page's CSP, so the page keeps its no-script policy.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
}

// The page as it is now at 390 px wide: its width, axe-core and a full-page screenshot; then back.
async function narrow(page, job, out, name) {
  const before = page.viewport();
  await page.setViewport({ width: 390, height: 844 });
  out.widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
  out.axe[`narrow-${name}`] = await axe(page);
  await page.screenshot({ path: path.join(job.screenshotDir, `${name}-390.png`), fullPage: true });
  await page.setViewport(before);
}

async function submitWithKeyboard(page, selector) {
  await page.focus(selector);
  await Promise.all([page.waitForNavigation({ waitUntil: "load", timeout: 120000 }), page.keyboard.press("Enter")]);
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const out = { steps: {}, axe: {}, console: [], failed: [], notFound: [], widths: {} };
  const browser = await puppeteer.launch({
    executablePath: job.chromium, headless: true, userDataDir: job.userDataDir,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    page.on("console", (msg) => { if (msg.type() === "error") out.console.push(msg.text()); });
    page.on("pageerror", (err) => out.console.push(String(err)));
    page.on("response", (res) => {
      if (res.status() === 404) out.notFound.push(res.url());
    });
    page.on("requestfailed", (req) => {
      if (!req.url().includes("/files/")) out.failed.push(`${req.url()} ${req.failure().errorText}`);
    });
    await page.setViewport({ width: 1280, height: 900 });
    const b = `${job.base}/b/${job.barometer}`;
    const text = () => page.evaluate(() => document.body.innerText);

    // 0. The login page, then the printed URL.
    await page.goto(`${job.base}/login`, { waitUntil: "load" });
    out.axe.login = await axe(page);
    await narrow(page, job, out, "login");
    await page.goto(`${job.base}/?token=${job.token}`, { waitUntil: "load" });
    out.steps.afterLogin = { url: page.url(), h1: await page.$eval("h1", (e) => e.textContent) };
    out.axe.index = await axe(page);
    await page.goto(`${b}/status`, { waitUntil: "load" });
    out.steps.statusBefore = await page.$eval("#ind-A1 .signal", (e) => e.className);
    // The legend reads "↓ Rød: tilbagegang": the colon right after the colour, no gap between them.
    out.steps.legend = await page.$$eval(".legend li", (items) => items.slice(0, 4).map((li) => {
      const sig = li.querySelector(".signal");
      const range = document.createRange();
      range.setStart(li.childNodes[1], 0);
      range.setEnd(li.childNodes[1], 1);
      return { text: li.textContent, gap: range.getBoundingClientRect().left - sig.getBoundingClientRect().right };
    }));
    out.axe.status = await axe(page);
    await page.goto(`${b}/compare`, { waitUntil: "load" });
    out.axe.compare = await axe(page);
    await page.goto(`${b}/diff`, { waitUntil: "load" });
    out.axe.diff = await axe(page);

    // 1. A workbook with one bad cell: the problem is located, nothing changes.
    await page.goto(`${b}/data`, { waitUntil: "load" });
    out.axe.data = await axe(page);
    await (await page.$("#files")).uploadFile(job.badWorkbook);
    await submitWithKeyboard(page, "form[enctype] button[type=submit]");
    out.steps.problems = await page.$$eval(".problems-table tbody tr", (rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim())));
    out.axe.problems = await axe(page);
    await narrow(page, job, out, "problems");
    await page.goto(`${b}/status`, { waitUntil: "load" });
    out.steps.statusAfterBad = await page.$eval("#ind-A1 .signal", (e) => e.className);
    await page.goto(`${b}/data`, { waitUntil: "load" });
    out.steps.filesAfterBad = await page.$$eval("main ul li code", (els) => els.map((e) => e.textContent));
    out.steps.noVersionsAfterBad = (await text()).includes("Ingen tidligere versioner endnu.");

    // 2. The data as Excel (downloaded by the link), one figure changed, reviewed, then confirmed.
    const cdp = await page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: job.downloadDir });
    await page.goto(`${b}/data`, { waitUntil: "load" });
    await page.click("a[href$='/data.xlsx']");
    const xlsx = path.join(job.downloadDir, "barometer.xlsx");
    let until = Date.now() + 60000;
    while (!fs.existsSync(xlsx) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    out.steps.dataXlsx = fs.existsSync(xlsx) ? xlsx : null;
    await (await page.$("#files")).uploadFile(job.goodWorkbook);
    await submitWithKeyboard(page, "form[enctype] button[type=submit]");
    out.steps.review = { h1: await page.$eval("h1", (e) => e.textContent),
      lines: await page.$$eval(".change-lines li", (els) => els.map((e) => e.textContent.trim())),
      colours: await page.$$eval("tr.colour-change", (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ").trim())) };
    out.axe.review = await axe(page);
    await narrow(page, job, out, "review");
    await submitWithKeyboard(page, "form[action*='/data/review/'] button[type=submit]");
    out.steps.afterGood = { url: page.url(), a1: await page.$eval("#ind-A1 .signal", (e) => e.className) };

    // 2b. "Gendan …" asks before it restores: the confirmation page (not confirmed here).
    await page.goto(`${b}/data`, { waitUntil: "load" });
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("a[href*='/data/restore?version=']")]);
    out.steps.restore = { url: page.url(), h1: await page.$eval("h1", (e) => e.textContent) };
    out.axe.restore = await axe(page);

    // 3. An override with a reason, from the status row; then removed from it.
    await page.goto(`${b}/status?update=${job.overrideUpdate}`, { waitUntil: "load" });
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#ind-B1 .row-actions a")]);
    out.steps.overrideForm = { update: await page.$eval("#update", (e) => e.value),
      target: await page.$eval("#target", (e) => e.value) };
    out.axe.override = await axe(page);
    await page.focus("input[name=signal][value=yellow]");
    await page.keyboard.press("Space");
    await page.focus("#reason");
    await page.keyboard.type(job.reason);
    await submitWithKeyboard(page, "form.stack button[type=submit]");
    if (!(await page.$("#ind-B1"))) throw new Error(`after the override: ${page.url()} ${(await text()).slice(0, 1500)}`);
    out.steps.afterOverride = {
      url: page.url(),
      b1: await page.$eval("#ind-B1", (e) => ({ signal: e.querySelector(".signal").className, text: e.innerText })),
    };
    out.axe.statusOverridden = await axe(page);
    await narrow(page, job, out, "statusOverridden");
    await submitWithKeyboard(page, "#ind-B1 form[action$='/override/remove'] button[type=submit]");
    out.steps.afterRemove = await page.$eval("#ind-B1", (e) => e.innerText);

    // 3b. A plain addition to BUU's letter, previewed, then saved.
    await page.goto(`${b}/letters/BUU?update=${job.overrideUpdate}`, { waitUntil: "load" });
    await page.focus("#addition");
    await page.keyboard.type(job.addition);
    await submitWithKeyboard(page, "button[value=preview]");
    out.steps.additionPreview = await page.$eval(".addition-preview", (e) => e.innerText).catch(() => "");
    out.axe.addition = await axe(page);
    await submitWithKeyboard(page, "button[value=save]");
    out.steps.additionSaved = (await text()).includes("Tilføjelsen er gemt.");

    // 4. One sentence of the letter, previewed, then saved.
    await page.goto(`${b}/texts`, { waitUntil: "load" });
    out.axe.texts = await axe(page);
    await page.goto(`${b}/texts/default.md`, { waitUntil: "load" });
    const replaced = await page.$eval("#text", (el, [oldS, newS]) => {
      const before = el.value;
      el.value = before.replace(oldS, newS);
      return before !== el.value;
    }, [job.oldSentence, job.newSentence]);
    await submitWithKeyboard(page, "button[value=preview]");
    const frame = await page.$("iframe.preview");
    out.steps.preview = { replaced, frame: Boolean(frame) };
    if (frame) {
      const content = await frame.contentFrame();
      await content.waitForFunction(() => document.body && document.body.innerText.length > 0, { timeout: 30000 });
      out.steps.preview.text = await content.evaluate(() => document.body.innerText);
    }
    out.axe.preview = await axe(page);
    await submitWithKeyboard(page, "button[value=save]");
    out.steps.saved = (await text()).includes("Teksten er gemt.");

    // 5. Build, follow the self-refreshing page, download pack.zip.
    await page.goto(b, { waitUntil: "load" });
    out.axe.barometer = await axe(page);
    await submitWithKeyboard(page, "form[action$='/builds'] button[type=submit]");
    out.steps.buildUrl = page.url();
    const deadline = Date.now() + 600000;
    while (!(await text()).includes("Færdig") && !(await text()).includes("fejlede") && Date.now() < deadline) {
      await page.waitForNavigation({ waitUntil: "load", timeout: 30000 }).catch(() => null);  // the meta refresh
    }
    out.steps.buildDone = (await text()).includes("Færdig");
    out.axe.build = await axe(page);
    out.steps.documents = await page.$$eval("table.documents tbody th", (els) => els.map((e) => e.textContent.trim()));
    await page.focus("a[href$='/files/pack.zip']");
    await page.keyboard.press("Enter");
    const zip = path.join(job.downloadDir, job.packName);
    until = Date.now() + 60000;
    while (!fs.existsSync(zip) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    out.steps.download = fs.existsSync(zip) ? zip : null;
    out.steps.downloads = fs.readdirSync(job.downloadDir).sort();

    // 6. The build's "Send brevene" page (no SMTP server here: the plan, its problems, the drafts).
    await page.goto(`${out.steps.buildUrl}/mail`, { waitUntil: "load" });
    out.steps.mail = { h1: await page.$eval("h1", (e) => e.textContent), text: await text(),
      letters: await page.$$eval(".mail-table tbody tr", (rows) => rows.length) };
    out.axe.mail = await axe(page);
    await page.goto(`${b}/texts/mail.md`, { waitUntil: "load" });
    out.axe.mailText = await axe(page);

    await page.goto(`${b}/history`, { waitUntil: "load" });
    out.steps.history = await text();
    out.axe.history = await axe(page);
    await page.goto(`${job.base}/history?kind=login`, { waitUntil: "load" });
    out.steps.workspaceHistory = await text();
    out.axe.workspaceHistory = await axe(page);
    await page.goto(`${b}/texts/BUU.md`, { waitUntil: "load" });
    await page.$eval("details.fields", (d) => { d.open = true; });
    out.steps.fields = await page.$$eval("table.fields-table tbody tr", (rows) => rows.map((r) => r.innerText));
    out.axe.textFields = await axe(page);
    await page.goto(`${b}/texts`, { waitUntil: "load" });
    out.axe.textsAdvanced = await axe(page);

    // 7. A phone, 390 px wide: no page wider than the screen; a screenshot of every page for a person to look at.
    await page.setViewport({ width: 390, height: 844 });
    for (const [name, url] of [["index", `${job.base}/`], ["barometer", b], ["status", `${b}/status?update=${job.overrideUpdate}`],
      ["compare", `${b}/compare`], ["diff", `${b}/diff`],
      ["data", `${b}/data`], ["restore", out.steps.restore.url], ["override", `${b}/override`],
      ["overrideRow", `${b}/override?update=${job.overrideUpdate}&target=B1`], ["texts", `${b}/texts`],
      ["textFields", `${b}/texts/BUU.md`], ["mailText", `${b}/texts/mail.md`], ["addition", `${b}/letters/BUU`],
      ["history", `${b}/history`], ["workspaceHistory", `${job.base}/history`], ["build", out.steps.buildUrl],
      ["mail", `${out.steps.buildUrl}/mail`]]) {
      await page.goto(url, { waitUntil: "load" });
      await page.$$eval("details", (ds) => ds.forEach((d) => { d.open = true; }));
      out.widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
      out.axe[`narrow-${name}`] = await axe(page);
      await page.screenshot({ path: path.join(job.screenshotDir, `${name}-390.png`), fullPage: true });
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => { console.error(err); process.exit(1); });
