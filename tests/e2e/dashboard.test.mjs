// The dashboard (www/index.html) in headless Chromium, served from 127.0.0.1: the listed snapshots
// load; every view box renders, and its CSV export equals `hubecon report VIEW --format csv` for the
// same options; an option change updates the URL and the views; a permalink restores the state; a
// local file opens through the picker and by drag-and-drop; corrupt snapshots show their error and
// leave the rest working; dark mode, phone width and keyboard navigation work; the console stays
// clean. Screenshots of every view go to artifacts/screens/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ensureFixtures, FIXTURE_DIR, launchBrowser, missingPrerequisite, ROOT, skipUnless, startServer, watch, WWW } from './helpers.mjs';

const SCREENS = path.join(ROOT, 'artifacts', 'screens');
const CLI = process.env.HUBECON_CLI || path.join(ROOT, 'target', 'release', 'hubecon');

function prerequisite() {
  const missing = missingPrerequisite();
  if (missing) return missing;
  if (!fs.existsSync(CLI)) return `${CLI} is missing (scripts/build cli)`;
  if (!fs.existsSync(path.join(WWW, 'snapshots.json'))) return 'www/snapshots.json is missing (scripts/build snapshots)';
  return null;
}

const skip = prerequisite();
if (skip) console.log(`# skipped: ${skip}`);
const opts = skipUnless(skip);
let server;
let browser;
let listed = [];

before(async () => {
  if (skip) return;
  ensureFixtures();
  fs.mkdirSync(SCREENS, { recursive: true });
  listed = JSON.parse(fs.readFileSync(path.join(WWW, 'snapshots.json'), 'utf8')).snapshots;
  server = await startServer();
  browser = await launchBrowser({ acceptDownloads: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// --- helpers ---

/** The CLI's CSV of a view; `options` uses the option names ({level: 'model', 'no-window': true}). */
function cliCsv(snapshotFile, view, options = {}, table = null) {
  const args = ['report', view, '--snapshot', snapshotFile, '--format', 'csv'];
  for (const [k, v] of Object.entries(options)) {
    if (v === true) args.push(`--${k}`);
    else args.push(`--${k}`, String(v));
  }
  if (table) args.push('--table', table);
  return execFileSync(CLI, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The engine call behind a dashboard box (views.js: engineCall), as CLI options. */
function boxCall(panel, options) {
  const o = { ...options };
  if (panel.level) o.level = panel.level;
  if (panel.view === 'map') return { view: 'leaderboard', options: { ...o, level: 'country', top: 1000 } };
  if (panel.view === 'trends' && !o.attribute) o.attribute = 'architecture';
  return { view: panel.view, options: o };
}

async function openDashboard(page, query = '') {
  await page.goto(`${server.url}index.html${query}`);
  await page.waitForFunction(() => performance.getEntriesByName('hubecon:first-chart').length > 0, null, {
    timeout: 120000,
  });
}

/** The boxes in the page: [{id, view, level}] in order. */
async function panelsOf(page) {
  return page.$$eval('section.panel', (nodes) =>
    nodes.map((n) => ({ id: n.id, view: n.dataset.view, panel: n.dataset.panel })),
  );
}

/** Scrolls a box into view and waits until it has drawn for the current options. */
async function settle(page, id, { renderedAfter = 0 } = {}) {
  const box = page.locator(`#${id}`);
  await box.scrollIntoViewIfNeeded();
  await page.waitForFunction(
    ({ id, renderedAfter }) => {
      const n = document.getElementById(id);
      return (
        n &&
        ['ok', 'error'].includes(n.dataset.state) &&
        n.getAttribute('aria-busy') === 'false' &&
        n.dataset.symbols !== 'pending' &&
        Number(n.dataset.renderId || 0) > renderedAfter
      );
    },
    { id, renderedAfter },
    { timeout: 120000 },
  );
  return box;
}

/**
 * Asserts two CSV texts are the same table: same header and rows, text fields equal, numbers equal
 * to 1e-12 relative (the last bits of a p-value may differ between native and wasm math functions).
 * Returns how many numbers were not bit-identical, for the log.
 */
function assertSameCsv(actual, expected, label) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  assert.equal(a.length, e.length, `${label}: ${a.length} lines, the CLI has ${e.length}`);
  assert.equal(a[0], e[0], `${label}: header`);
  let inexact = 0;
  for (let i = 1; i < e.length; i++) {
    if (a[i] === e[i]) continue;
    const fa = a[i].split(',');
    const fe = e[i].split(',');
    assert.equal(fa.length, fe.length, `${label}: line ${i + 1} fields\n  page: ${a[i]}\n  cli:  ${e[i]}`);
    for (let j = 0; j < fe.length; j++) {
      if (fa[j] === fe[j]) continue;
      const x = Number(fa[j]);
      const y = Number(fe[j]);
      const close = fa[j] !== '' && fe[j] !== '' && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
      assert.ok(close, `${label}: line ${i + 1} field ${j + 1}: page ${fa[j]}, cli ${fe[j]}`);
      inexact++;
    }
  }
  return inexact;
}

async function downloadText(page, locator) {
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await download.path();
  return fs.readFileSync(file, 'utf8');
}

function levelOf(panelId) {
  const m = /^(leaderboard|shares|concentration)-(model|developer|country|org_type)$/.exec(panelId);
  return m ? m[2] : null;
}

// --- tests ---

test('the listed snapshots load with their facts, each view box renders and its CSV equals the CLI', opts, async () => {
  assert.ok(listed.length >= 1, 'snapshots.json lists no snapshot');
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  for (const snap of listed) {
    const file = path.join(WWW, snap.file);
    const info = JSON.parse(execFileSync(CLI, ['info', file], { encoding: 'utf8' }));
    await openDashboard(page, `?snapshot=${encodeURIComponent(snap.file)}`);
    // Facts: the page shows the snapshot's model count and hash, and labels synthetic data.
    const facts = await page.locator('#snapshot-facts').innerText();
    assert.match(facts.replace(/,/g, ''), new RegExp(`Models\\s+${info.models}\\b`), `${snap.file}: model count`);
    assert.ok(facts.includes(info.content_hash.slice(0, 16)), `${snap.file}: content hash`);
    assert.equal(/SYNTHETIC/.test(facts), info.synthetic, `${snap.file}: synthetic label in the facts`);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('hash'), info.content_hash, 'the URL carries the snapshot hash');

    const tag = path.basename(snap.file, '.arrow');
    for (const panel of await panelsOf(page)) {
      const box = await settle(page, panel.id);
      const state = await box.getAttribute('data-state');
      const error = state === 'error' ? await box.locator('.hv-error').innerText() : '';
      assert.equal(state, 'ok', `${tag} ${panel.id}: ${error}`);
      // Synthetic snapshots are labelled on every view.
      assert.equal(await box.locator('.hv-badge').count(), info.synthetic ? 1 : 0, `${tag} ${panel.id}: synthetic badge`);
      if (panel.view !== 'info') {
        assert.ok((await box.locator('.hv-chart svg').count()) > 0 || (await box.locator('.hv-chart .hv-status').count()) > 0, `${tag} ${panel.id}: no chart`);
      }
      await box.screenshot({ path: path.join(SCREENS, `${tag}-${panel.panel}.png`) });
      // The numbers: the page's CSV export is the CLI's CSV, byte for byte.
      const call = boxCall({ view: panel.view, level: levelOf(panel.panel) }, {});
      const pageCsv = await downloadText(page, box.locator('button[data-action="csv"]'));
      const expected = cliCsv(file, call.view, call.options);
      const inexact = assertSameCsv(pageCsv, expected, `${tag} ${panel.id}: CSV vs hubecon report ${call.view}`);
      if (inexact) console.log(`# ${tag} ${panel.id}: ${inexact} numbers equal to 1e-12 but not bit-identical to the CLI's`);
      // A table alternative exists for every chart (its rows are built when it is opened).
      if (panel.view !== 'info') {
        await box.locator('details.hv-table-details > summary').click();
        await box.locator('table.hv-table').first().waitFor({ timeout: 10000 });
        assert.ok((await box.locator('table.hv-table').count()) > 0, `${tag} ${panel.id}: table`);
      }
    }
    // An extra table (the violins' density) exports like the CLI's --table.
    const sizes = await settle(page, 'panel-sizes');
    if ((await sizes.locator('select option[value="density"]').count()) > 0) {
      await sizes.locator('select').selectOption('density');
      const pageCsv = await downloadText(page, sizes.locator('button[data-action="csv"]'));
      assertSameCsv(pageCsv, cliCsv(file, 'sizes', {}, 'density'), `${tag}: sizes density CSV`);
    }
  }
  watcher.assertClean('while loading the snapshots and rendering every view');
  await page.close();
});

test('an option change redraws only the boxes whose view reads that option', opts, async () => {
  const watcher = await watch(browser.context);
  const snap = listed.find((s) => s.synthetic) || listed[0];
  const page = await browser.context.newPage();
  await openDashboard(page, `?snapshot=${encodeURIComponent(snap.file)}`);
  // The race box and the box above it (an Economies view) on screen together.
  const race = await settle(page, 'panel-race');
  await page.evaluate(() => document.getElementById('panel-mdi-summary').scrollIntoView({ block: 'start' }));
  await settle(page, 'panel-mdi-summary');
  const raceId = Number(await race.getAttribute('data-render-id'));
  const change = async (input, value) => {
    const updates = await page.evaluate(() => performance.getEntriesByName('hubecon:views-updated').length);
    await page.locator(input).fill(value);
    await page.locator(input).dispatchEvent('change');
    await page.waitForFunction((n) => performance.getEntriesByName('hubecon:views-updated').length > n, updates, { timeout: 120000 });
  };
  // The rolling window is an Economies option: the lineage boxes keep their drawing.
  await change('#opt-window-weeks', '26');
  assert.equal(Number(await race.getAttribute('data-render-id')), raceId, 'a new window does not redraw the race box');
  // A race option redraws it.
  await change('#opt-min-siblings', '6');
  await settle(page, 'panel-race', { renderedAfter: raceId });
  assert.match(await race.locator('.hv-subtitle').innerText(), /6/);
  watcher.assertClean();
  await page.close();
});

test('the engine prepares the week-order layout when idle, in slices; the model and developer concentrations after a window change equal the CLI', opts, async () => {
  const watcher = await watch(browser.context);
  const snap = listed.find((s) => s.synthetic) || listed[0];
  const file = path.join(WWW, snap.file);
  const page = await browser.context.newPage();
  await openDashboard(page, `?snapshot=${encodeURIComponent(snap.file)}`);
  await page.waitForFunction(() => performance.getEntriesByName('hubecon:engine-prepared').length > 0, null, { timeout: 120000 });
  const prepared = await page.evaluate(() => performance.getEntriesByName('hubecon:engine-prepared')[0].detail);
  assert.equal(prepared.ready, true, 'the layout is made for the default population filter');
  // Tens of thousands of kept models at 100 k, 8192 a slice, three passes: several slices.
  assert.ok(prepared.slices > 1, `prepared in ${prepared.slices} slice(s)`);
  assert.equal(typeof prepared.longestSliceMs, 'number', `the mark gives the longest slice: ${JSON.stringify(prepared)}`);
  // The CLI computes a view once and never prepares: its numbers come from the rows read model by
  // model, the page's (after the change) from the prepared layout.
  // (The developer level reads the developers' chains over that layout.)
  const box = await settle(page, 'panel-concentration-model');
  const devBox = await settle(page, 'panel-concentration-developer');
  const before = Number(await box.getAttribute('data-render-id'));
  const devBefore = Number(await devBox.getAttribute('data-render-id'));
  await page.evaluate(() => document.getElementById('panel-concentration-model').scrollIntoView({ block: 'start' }));
  await page.locator('#opt-window-weeks').fill('13');
  await page.locator('#opt-window-weeks').dispatchEvent('change');
  await settle(page, 'panel-concentration-model', { renderedAfter: before });
  await settle(page, 'panel-concentration-developer', { renderedAfter: devBefore });
  for (const [level, target] of [['model', box], ['developer', devBox]]) {
    const pageCsv = await downloadText(page, target.locator('button[data-action="csv"]'));
    const call = boxCall({ view: 'concentration', level }, { 'window-weeks': 13 });
    assertSameCsv(pageCsv, cliCsv(file, call.view, call.options), `concentration by ${level}, window 13, after prepare`);
  }
  watcher.assertClean();
  await page.close();
});

test('an option change updates the URL and the views; the permalink restores the same state', opts, async () => {
  const watcher = await watch(browser.context);
  const snap = listed.find((s) => s.synthetic) || listed[0];
  const file = path.join(WWW, snap.file);
  const page = await browser.context.newPage();
  await openDashboard(page, `?snapshot=${encodeURIComponent(snap.file)}`);
  const box = await settle(page, 'panel-leaderboard-developer');
  const before = await downloadText(page, box.locator('button[data-action="csv"]'));
  const renderId = Number(await box.getAttribute('data-render-id'));
  const updates = await page.evaluate(() => performance.getEntriesByName('hubecon:views-updated').length);

  await page.locator('#opt-window-weeks').fill('13');
  await page.locator('#opt-attribution').selectOption('root');
  await page.waitForFunction((n) => performance.getEntriesByName('hubecon:views-updated').length > n, updates, { timeout: 120000 });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('window-weeks'), '13');
  assert.equal(url.searchParams.get('attribution'), 'root');
  await settle(page, 'panel-leaderboard-developer', { renderedAfter: renderId });
  const changed = await downloadText(page, box.locator('button[data-action="csv"]'));
  const expected = cliCsv(file, 'leaderboard', { level: 'developer', 'window-weeks': 13, attribution: 'root' });
  assertSameCsv(changed, expected, 'after the change the CSV is the CLI CSV for the new options');
  assert.notEqual(changed, before, 'the option change changed the numbers');
  assert.match(await box.locator('.hv-subtitle').innerText(), /13 weeks.*recursive/);

  // Turning the window off and choosing a level: flags and the level reach the URL too.
  await page.locator('#opt-window-on').uncheck();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('no-window') === 'true');
  const permalink = page.url();

  // The permalink in a new page: same form state, same numbers.
  const again = await browser.context.newPage();
  await openDashboard(again, new URL(permalink).search);
  assert.equal(await again.locator('#opt-window-on').isChecked(), false);
  assert.equal(await again.locator('#opt-attribution').inputValue(), 'root');
  const restoredBox = await settle(again, 'panel-leaderboard-developer');
  const restored = await downloadText(again, restoredBox.locator('button[data-action="csv"]'));
  assertSameCsv(restored, cliCsv(file, 'leaderboard', { level: 'developer', 'no-window': true, attribution: 'root' }), 'restored');
  assert.equal(again.url(), permalink, 'the restored page keeps the same URL');

  // A bad value is refused with the engine's message; the views keep the last good options.
  await again.locator('#opt-periods').fill('2024-01-01,2023-01-01');
  await again.locator('#opt-periods').blur();
  await again.waitForSelector('#options-error:not([hidden])');
  assert.match(await again.locator('#options-error').innerText(), /periods/);
  assert.equal(new URL(again.url()).searchParams.get('periods'), null);

  // A chosen level keeps one box per family at that level (after the bad value is put right).
  await again.locator('#opt-periods').fill('2022-12-31,2023-12-31,2024-12-31');
  await again.locator('#opt-periods').blur();
  await again.waitForSelector('#options-error', { state: 'hidden' });
  await again.locator('#opt-level').selectOption('country');
  await again.waitForSelector('#panel-leaderboard-country');
  assert.equal(await again.locator('#panel-leaderboard-model').count(), 0);
  assert.equal(new URL(again.url()).searchParams.get('level'), 'country');
  watcher.assertClean('while changing options');
  await page.close();
  await again.close();
});

test('a local file opens through the picker and by drag-and-drop; corrupt files show their error', opts, async () => {
  const watcher = await watch(browser.context, {
    // The fetch of a deliberately missing snapshot logs its 404.
    allow: [/404.*missing-snapshot\.arrow|missing-snapshot\.arrow.*404|Failed to load resource.*404/],
  });
  const page = await browser.context.newPage();
  await openDashboard(page);
  const small = path.join(FIXTURE_DIR, 'small.arrow');
  const smallInfo = JSON.parse(execFileSync(CLI, ['info', small], { encoding: 'utf8' }));

  await page.locator('#snapshot-file').setInputFiles(small);
  await page.waitForFunction((hash) => new URL(location.href).searchParams.get('hash') === hash, smallInfo.content_hash);
  assert.equal(new URL(page.url()).searchParams.get('snapshot'), 'file:small.arrow');
  assert.match((await page.locator('#snapshot-facts').innerText()).replace(/,/g, ''), new RegExp(`Models\\s+${smallInfo.models}\\b`));
  const box = await settle(page, 'panel-concentration-developer');
  assert.equal(await box.getAttribute('data-state'), 'ok');
  const csv = await downloadText(page, box.locator('button[data-action="csv"]'));
  assertSameCsv(csv, cliCsv(small, 'concentration', { level: 'developer' }), 'local file');
  await box.screenshot({ path: path.join(SCREENS, 'local-file-concentration-developer.png') });

  // Corrupt, foreign and newer-format files: a clear message, the views of the last good snapshot stay.
  for (const [name, pattern] of [
    ['corrupt.arrow', /./],
    ['garbage.arrow', /./],
    ['newer-format.arrow', /newer|version/i],
  ]) {
    await page.locator('#snapshot-file').setInputFiles(path.join(FIXTURE_DIR, name));
    await page.waitForFunction((name) => {
      const box = document.getElementById('snapshot-error');
      return !box.hidden && box.textContent.includes(name);
    }, name);
    const message = await page.locator('#snapshot-error').innerText();
    assert.match(message, pattern, `${name}: ${message}`);
    assert.match(message, /still showing/, `${name}: the previous snapshot stays`);
    assert.equal(new URL(page.url()).searchParams.get('hash'), smallInfo.content_hash);
    assert.equal(await page.locator('#panel-concentration-developer').getAttribute('data-state'), 'ok');
  }
  await page.locator('#snapshot-error').screenshot({ path: path.join(SCREENS, 'corrupt-snapshot-error.png') });

  // A listed snapshot that cannot be fetched: the same kind of message.
  await page.goto(`${server.url}index.html?snapshot=missing-snapshot.arrow`);
  await page.waitForSelector('#snapshot-error:not([hidden])');
  assert.match(await page.locator('#snapshot-error').innerText(), /missing-snapshot\.arrow.*404/);

  // A permalink to a local file: a hint to open it, then the same hash once it is opened.
  await openDashboard(page, `?snapshot=file:small.arrow&hash=${smallInfo.content_hash}&window-weeks=26`);
  assert.match(await page.locator('#hash-warning').innerText(), /local file, small\.arrow/);
  await page.locator('#snapshot-file').setInputFiles(small);
  await page.waitForFunction((hash) => new URL(location.href).searchParams.get('hash') === hash, smallInfo.content_hash);
  assert.equal(await page.locator('#hash-warning').isHidden(), true);
  assert.equal(new URL(page.url()).searchParams.get('window-weeks'), '26');

  // Drag-and-drop: a drop event carrying the file (made in the page from the fixture's bytes).
  await openDashboard(page);
  await page.evaluate(async () => {
    const bytes = await (await fetch('/fixtures/small.arrow')).arrayBuffer();
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped.arrow'));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  });
  await page.waitForFunction(() => new URL(location.href).searchParams.get('snapshot') === 'file:dropped.arrow');
  assert.equal(await page.locator('#drop-overlay').isHidden(), true);
  watcher.assertClean('while opening local and corrupt files');
  await page.close();
});

test('dark mode, phone width, keyboard navigation and embed code', opts, async () => {
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  await page.emulateMedia({ colorScheme: 'dark' });
  await openDashboard(page);
  const box = await settle(page, 'panel-leaderboard-developer');
  const darkBg = await box.evaluate((n) => getComputedStyle(n.querySelector('svg')).backgroundColor);
  assert.notEqual(darkBg, 'rgb(255, 255, 255)', 'the chart background follows the dark system theme');
  assert.match(await page.locator('#theme-toggle').innerText(), /system \(dark\)/);
  await page.screenshot({ path: path.join(SCREENS, 'dashboard-dark.png') });
  // The toggle forces light even though the system is dark; charts are redrawn in light colours.
  await page.locator('#theme-toggle').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await page.locator('#panel-leaderboard-developer').scrollIntoViewIfNeeded();
  await page.waitForFunction(
    () => getComputedStyle(document.querySelector('#panel-leaderboard-developer svg')).backgroundColor === 'rgb(255, 255, 255)',
  );

  // Keyboard: j moves the focus to the next view's heading; the TOC links focus the view.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  const focused = await page.evaluate(() => document.activeElement?.closest('section.panel')?.id);
  assert.ok(focused, 'j focuses a view');
  await page.keyboard.press('j');
  const next = await page.evaluate(() => document.activeElement?.closest('section.panel')?.id);
  assert.notEqual(next, focused, 'j again moves to the next view');
  // The toolbar buttons are reachable with Tab from the heading.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'csv');

  // Embed code: a <hubecon-view> with the view, the snapshot and the non-default options.
  await box.locator('button[data-action="embed"]').click();
  const code = await box.locator('.hv-embed textarea').inputValue();
  assert.match(code, /<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/hubecon-widget\.min\.js"><\/script>/);
  assert.match(code, /<hubecon-view view="leaderboard" snapshot="http:\/\/127\.0\.0\.1:\d+\/data\/[^"]+\.arrow" level="developer"><\/hubecon-view>/);

  // Phone width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
  await page.screenshot({ path: path.join(SCREENS, 'dashboard-phone.png') });
  await settle(page, 'panel-map');
  await page.locator('#panel-map').screenshot({ path: path.join(SCREENS, 'dashboard-phone-map.png') });
  // Opened on a phone: the options start folded, the views come first.
  const phone = await browser.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await openDashboard(phone);
  assert.equal(await phone.locator('#options-details').getAttribute('open'), null);
  assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1);
  await phone.screenshot({ path: path.join(SCREENS, 'dashboard-phone-start.png') });
  await phone.close();
  watcher.assertClean('in dark mode, at phone width and with the keyboard');
  await page.close();
});

test('SVG and PNG downloads of a chart', opts, async () => {
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  await openDashboard(page);
  const box = await settle(page, 'panel-leaderboard-developer');
  const svg = await downloadText(page, box.locator('button[data-action="svg"]'));
  assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<rect width="100%" height="100%" fill="rgb/);
  const [download] = await Promise.all([page.waitForEvent('download'), box.locator('button[data-action="png"]').click()]);
  const png = fs.readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.length > 2000, 'the PNG has content');
  fs.writeFileSync(path.join(SCREENS, 'download-leaderboard-developer.png'), png);
  watcher.assertClean('while downloading charts');
  await page.close();
});

test('the pointer readouts: a stacked area names the series Plot drew under the pointer, the map the nation', opts, async () => {
  const watcher = await watch(browser.context);
  const page = await browser.context.newPage();
  await openDashboard(page);
  for (const id of ['panel-shares-developer', 'panel-trends']) {
    const box = await settle(page, id);
    const chart = await box.locator('.hv-chart svg[viewBox]').first().boundingBox();
    let checked = 0;
    for (const [fx, fy] of [[0.3, 0.3], [0.5, 0.5], [0.7, 0.4], [0.8, 0.75], [0.4, 0.2]]) {
      const [x, y] = [chart.x + chart.width * fx, chart.y + chart.height * fy];
      await page.mouse.move(x, y);
      // The area under the pointer, as Plot drew it: its <title> is the series.
      const under = await page.evaluate(([x, y]) => {
        const path = document.elementsFromPoint(x, y).find((n) => n.tagName === 'path' && n.querySelector('title'));
        return path ? path.querySelector('title').textContent : null;
      }, [x, y]);
      if (under === null) continue; // a margin or the axis
      const text = await box.locator('.hv-readout').innerText();
      const [period, line] = text.split('\n');
      assert.match(period, /^\d{4}-\d{2}-\d{2}$/, `${id}: the readout starts with the period (${text})`);
      assert.equal(line.slice(0, line.lastIndexOf(':')), under, `${id} at (${fx}, ${fy}): the readout names the area under the pointer`);
      assert.match(line, /: \d+\.\d %$/, `${id}: the readout gives the share`);
      checked++;
    }
    assert.ok(checked >= 3, `${id}: the pointer was over the areas at least 3 times (${checked})`);
    await page.mouse.move(0, 0);
    assert.ok(await box.locator('.hv-readout').isHidden(), `${id}: the readout hides when the pointer leaves`);
  }
  // The map: the readout of the country under the pointer gives its downloads from the table.
  const map = await settle(page, 'panel-map');
  const csv = await downloadText(page, map.locator('button[data-action="csv"]'));
  const [header, first] = csv.trim().split('\n');
  const cells = Object.fromEntries(header.split(',').map((c, i) => [c, first.split(',')[i]]));
  // The nation's outline, named as the page's own lookup names it (e.g. "United States of America").
  const geometry = await page.evaluate(async (key) => {
    const { geometryName } = await import('./views.js');
    const names = new Set([...document.querySelectorAll('#panel-map .hv-map-countries [aria-label]')].map((n) => n.getAttribute('aria-label')));
    return geometryName(key, names);
  }, cells.key);
  assert.ok(geometry, `${cells.key} has an outline on the map`);
  const country = map.locator(`.hv-map-countries path[aria-label="${geometry}"]`);
  const shape = await country.boundingBox();
  await page.mouse.move(shape.x + shape.width / 2, shape.y + shape.height / 2);
  const text = await map.locator('.hv-readout').innerText();
  assert.equal(text.split('\n')[0], cells.key, 'the map readout names the top nation');
  assert.match(text, new RegExp(`downloads: ${Number(cells.downloads).toLocaleString('en')}`), 'with its downloads');
  watcher.assertClean('while reading the stacked areas and the map');
  await page.close();
});
