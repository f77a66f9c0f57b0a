// scripts/package-single-file: the one-file dashboard opens from file:// (no server), takes a
// snapshot through the file picker, and with --embed-snapshot shows the embedded one at start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { ensureFixtures, FIXTURE_DIR, launchBrowser, missingPrerequisite, ROOT, screenshot, skipUnless, watch } from './helpers.mjs';

const skip = missingPrerequisite();
if (skip) console.log(`# skipped: ${skip}`);
const opts = skipUnless(skip);
const OUT_DIR = path.join(ROOT, 'target', 'e2e-single-file');
let browser;
let plain;
let embedded;

before(async () => {
  if (skip) return;
  ensureFixtures();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  plain = path.join(OUT_DIR, 'hubecon-offline.html');
  embedded = path.join(OUT_DIR, 'hubecon-offline-embedded.html');
  const script = path.join(ROOT, 'scripts', 'package-single-file');
  execFileSync(process.execPath, [script, '--out', plain], { stdio: 'pipe' });
  execFileSync(process.execPath, [script, '--out', embedded, '--embed-snapshot', path.join(FIXTURE_DIR, 'small.arrow')], {
    stdio: 'pipe',
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function viewsDrawn(page) {
  await page.waitForFunction(
    () => {
      const panels = [...document.querySelectorAll('.hv-panel')];
      return panels.length > 5 && panels.every((p) => p.dataset.state === 'ok' || p.dataset.state === 'error');
    },
    null,
    { timeout: 90000 },
  );
}

test('the single file is self-contained: no external script, style or fetch', opts, () => {
  const html = fs.readFileSync(plain, 'utf8');
  // The markup around the inlined code (the code itself holds the widget's embed snippet as text).
  const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>').replace(/<style>[\s\S]*?<\/style>/gi, '<style></style>');
  assert.ok(!/<script[^>]+\bsrc=/i.test(markup), 'an external script');
  assert.ok(!/<link[^>]+rel="stylesheet"/i.test(markup), 'an external stylesheet');
  assert.equal((markup.match(/<script type="module">/g) || []).length, 1, 'one inline module');
  assert.ok(/script-src 'sha256-[^']+' 'wasm-unsafe-eval'/.test(markup), 'script-src by hash');
  assert.ok(/application\/x-hubecon-wasm-base64/.test(markup), 'the inlined wasm');
});

test('from file:// the picker opens a snapshot and every view draws', opts, async () => {
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(plain).href);
  const input = page.locator('input[type="file"]').first();
  await input.waitFor({ state: 'attached' });
  await page.waitForFunction(() => /hubecon \d/.test(document.getElementById('version-line')?.textContent || ''));
  await input.setInputFiles(path.join(FIXTURE_DIR, 'small.arrow'));
  await viewsDrawn(page);
  const facts = await page.locator('#snapshot-facts').textContent();
  assert.match(facts, /2,000|2000/);
  // Nothing but the page itself (and data:/blob: URLs) was requested.
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && u !== pathToFileURL(plain).href),
    [],
  );
  await screenshot(page, 'singlefile-picker');
  watcher.assertClean('in the single-file page');
  await page.close();
});

test('with --embed-snapshot the embedded snapshot opens at start', opts, async () => {
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(embedded).href);
  await viewsDrawn(page);
  assert.match(await page.locator('#snapshot-facts').textContent(), /2,000|2000/);
  // A corrupt file through the picker shows its error and leaves the page working.
  await page.locator('input[type="file"]').first().setInputFiles(path.join(FIXTURE_DIR, 'corrupt.arrow'));
  await page.waitForFunction(() => {
    const box = document.getElementById('snapshot-error');
    return box && !box.hidden && /corrupt\.arrow/.test(box.textContent);
  });
  await screenshot(page, 'singlefile-embedded-corrupt');
  watcher.assertClean('in the single-file page with an embedded snapshot');
  await page.close();
});
