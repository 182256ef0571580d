// Opens report.html (or diff.html) in headless Chromium, exercises sorting, filtering and a row's
// details, and fails on any script error, console error, dialog or network request, and on a
// finding table that squeezes its columns: a severity badge or a finding id that wraps, a detail
// column narrower than 250 px, or a page wider than the phone's screen (tables scroll sideways
// inside their own box instead). Saves screenshots at desktop (1440 px) and phone (390 px) widths,
// at the top and at the first finding table, and at a print (A4) size with print media.
//
//   node check-report.mjs PAGE_HTML OUT_DIR [NAME]     (NAME: the screenshots' prefix, default "report")
import { chromium } from "playwright-core";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [report, outDir, name = "report"] = process.argv.slice(2);
if (!report || !outDir) {
  console.error("usage: node check-report.mjs REPORT_HTML OUT_DIR");
  process.exit(2);
}
const url = pathToFileURL(path.resolve(report)).href;
const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("dialog", async (d) => { problems.push(`dialog (${d.type()}): ${d.message()}`); await d.dismiss(); });
  page.on("request", (r) => { if (r.url() !== url && !r.url().startsWith("data:")) problems.push(`network request: ${r.url()}`); });
  const started = Date.now();
  await page.goto(url, { waitUntil: "load" });
  const loadMs = Date.now() - started;
  await page.screenshot({ path: path.join(outDir, `${name}-desktop.png`), fullPage: false });
  await checkLayout(page, "desktop", 1440);
  // A row's details open on a click and show the row's other fields.
  const more = page.locator("details.more summary").first();
  if (await more.count()) {
    await more.scrollIntoViewIfNeeded();
    await more.click();
    const open = await page.locator("details.more").first().evaluate((d) => d.open && d.querySelector("dl").getBoundingClientRect().height > 0);
    if (!open) problems.push("a row's details did not open");
    await page.screenshot({ path: path.join(outDir, `${name}-findings-desktop.png`), fullPage: false });
    await more.click();
  } else {
    problems.push("no finding row has details");
  }
  // Sorting: click a header twice; filtering: type into the first filter box.
  const header = page.locator("table.sortable thead th").first();
  await header.click();
  await header.click();
  const filter = page.locator("input[type=search]").first();
  if (await filter.count()) {
    await filter.fill("zz-no-such-row-zz");
    const id = await filter.getAttribute("data-filter");
    const visible = await page.locator(`#${id} tbody tr:not([hidden])`).count();
    if (visible !== 0) problems.push(`filter left ${visible} rows visible`);
    await filter.fill("");
  }
  if (await page.evaluate(() => document.body.classList.contains("has-decisions"))) {
    const filled = await page.locator("td.c-decision:not(:empty)").count();
    if (filled === 0) problems.push("decisions recorded but no decision cell filled");
    console.log(`decision column: ${filled} finding row(s) show their decision`);
  }
  // The phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(outDir, `${name}-phone.png`), fullPage: false });
  await checkLayout(page, "phone", 390);
  const table = page.locator("table.review").first();
  if (await table.count()) {
    await table.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, `${name}-findings-phone.png`), fullPage: false });
    const scrolls = await table.evaluate((t) => t.parentElement.scrollWidth > t.parentElement.clientWidth);
    if (!scrolls) problems.push("phone: the finding table does not scroll sideways");
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  const title = await page.title();
  const banner = await page.locator(".banner").first().innerText();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.emulateMedia({ media: "print" });
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.screenshot({ path: path.join(outDir, `${name}-print.png`), fullPage: false });
  await page.pdf({ path: path.join(outDir, `${name}.pdf`), format: "A4" }).catch(() => {});
  console.log(`loaded in ${loadMs} ms: "${title}" — ${banner}`);
} finally {
  await browser.close();
}
/** No badge or id wraps, detail columns keep their width, and the page is no wider than the screen. */
async function checkLayout(page, label, width) {
  const found = await page.evaluate(() => {
    const out = [];
    const lines = (el) => {
      const r = document.createRange();
      r.selectNodeContents(el);
      return new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top))).size;
    };
    document.querySelectorAll("table.review .sev").forEach((b) => { if (lines(b) > 1) out.push(`badge "${b.textContent}" wraps`); });
    document.querySelectorAll("table.review td.c-finding_id").forEach((td) => { if (td.textContent && lines(td) > 1) out.push(`finding id ${td.textContent} wraps`); });
    document.querySelectorAll("table.review td.c-detail").forEach((td) => {
      if (td.getBoundingClientRect().width > 0 && td.getBoundingClientRect().width < 250) out.push(`a detail column is ${Math.round(td.getBoundingClientRect().width)} px wide`);
    });
    return { out: out.slice(0, 5), pageWidth: document.documentElement.scrollWidth };
  });
  found.out.forEach((p) => problems.push(`${label}: ${p}`));
  if (found.pageWidth > width + 1) problems.push(`${label}: the page is ${found.pageWidth} px wide on a ${width} px screen`);
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("no script errors, dialogs or network requests");
