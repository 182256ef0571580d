// Opens report.html in headless Chromium, exercises sorting and filtering, and fails on any
// script error, console error, dialog or network request. Saves screenshots at a desktop size and
// at a print (A4) size with print media.
//
//   node check-report.mjs REPORT_HTML OUT_DIR
import { chromium } from "playwright-core";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [report, outDir] = process.argv.slice(2);
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
  await page.screenshot({ path: path.join(outDir, "report-desktop.png"), fullPage: false });
  // Sorting: click a header twice; filtering: type into the first filter box.
  const header = page.locator("table.sortable thead th").first();
  await header.click();
  await header.click();
  const filter = page.locator("input[type=search]").first();
  if (await filter.count()) {
    await filter.fill("zz-no-such-row-zz");
    const visible = await page.locator("table.sortable").nth(1).locator("tbody tr:not([hidden])").count();
    if (visible !== 0) problems.push(`filter left ${visible} rows visible`);
    await filter.fill("");
  }
  const title = await page.title();
  const banner = await page.locator(".banner").first().innerText();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.emulateMedia({ media: "print" });
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.screenshot({ path: path.join(outDir, "report-print.png"), fullPage: false });
  await page.pdf({ path: path.join(outDir, "report.pdf"), format: "A4" }).catch(() => {});
  console.log(`loaded in ${loadMs} ms: "${title}" — ${banner}`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("no script errors, dialogs or network requests");
