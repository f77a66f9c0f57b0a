// Dashboard timings in headless Chromium from 127.0.0.1 (a benchmark: prints figures, asserts nothing).
//
//   node bench/dashboard-timing.mjs [--models 1000000] [--runs 3] [--skip-large]
//   node bench/dashboard-timing.mjs --every-option [--models 1000000] [--js-flags FLAGS]
//
// For the default snapshot of www/snapshots.json, the listed synthetic one, and a synthetic
// N-model snapshot (built once with the CLI into target/e2e-fixtures/): time to first chart with a
// cold cache (fresh profile) and a warm one (reload in the same profile: HTTP cache and service
// worker), the engine's decode time, the latency of one option change (window-weeks) until every
// visible view is redrawn, each view's draw time (compute + chart) when scrolled to, the
// option change again with the page scrolled to each box (`optionChangeScrolledTo`), and the
// engine's idle-time preparation (`enginePrepared`: total, slices, longest slice).
// `--every-option`: on the N-model snapshot only, with the page scrolled to each box in turn, the
// latency of a change of each economies option (attribution, population filter, window on/off,
// granularity, top N, download and creation ranges, level, attribute), and of its way back
// (`everyOptionScrolledTo`: per box, per option and `OPTION back`, the value set, the ms and the
// boxes redrawn; the slowest box of each in `everyOptionWorst`).
// Marks read from the page: 'hubecon:first-chart', 'hubecon:views-updated',
// 'hubecon:engine-prepared' (app.js) and 'hubecon:snapshot-decode' (engine.js).
// `--js-flags FLAGS` passes V8 flags to Chromium for the every-option run (for example
// `--no-liftoff`, to see what the engine's code costs without V8's baseline tier).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_DIR, launchBrowser, ROOT, startServer, WWW } from '../tests/e2e/helpers.mjs';

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const MODELS = Number(arg('models', '1000000'));
const RUNS = Number(arg('runs', '3'));
const SKIP_LARGE = args.includes('--skip-large');
const JS_FLAGS = arg('js-flags', '');
const CLI = process.env.HUBECON_CLI || path.join(ROOT, 'target', 'release', 'hubecon');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

function largeSnapshot() {
  fs.mkdirSync(FIXTURE_DIR, { recursive: true });
  const file = path.join(FIXTURE_DIR, `synthetic-${MODELS}.arrow`);
  if (!fs.existsSync(file)) {
    console.error(`building ${file} ...`);
    execFileSync(CLI, ['build', '--source', 'synthetic', '--models', String(MODELS), '--seed', '42', '--out', file], {
      stdio: 'inherit',
    });
  }
  return { query: `/fixtures/${path.basename(file)}`, bytes: fs.statSync(file).size, label: `synthetic ${MODELS}` };
}

async function firstChart(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('hubecon:first-chart').length > 0, null, {
    timeout: 600000,
  });
  return page.evaluate(() => {
    const mark = (n) => performance.getEntriesByName(n)[0];
    const decode = mark('hubecon:snapshot-decode');
    const snapshot = performance
      .getEntriesByType('resource')
      .find((e) => /\.arrow$/.test(e.name));
    return {
      firstChartMs: mark('hubecon:first-chart').startTime,
      decodeMs: decode?.detail?.ms ?? null,
      snapshotFetchMs: snapshot ? snapshot.duration : null,
      snapshotTransferBytes: snapshot ? snapshot.transferSize : null,
      wasmHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
    };
  });
}

async function optionChange(page, value) {
  return setOption(page, 'window-weeks', String(value));
}

/** Sets one option field (text, number, date, select or checkbox) and waits for every visible box. */
async function setOption(page, name, value) {
  const before = await page.evaluate(() => performance.getEntriesByName('hubecon:views-updated').length);
  const input = page.locator(`#opt-${name}`);
  // A checkbox or a select fires its own 'change'. A filled field fires 'input' only (applied
  // after a pause), then 'change' when it loses the focus: leaving it at once applies the value
  // now and leaves no 'change' pending for the next field to fire (a redraw with nothing to do,
  // whose mark would be timed instead).
  if (typeof value === 'boolean') await input.setChecked(value);
  else if ((await input.evaluate((n) => n.tagName)) === 'SELECT') await input.selectOption(value);
  else {
    await input.fill(value);
    await input.blur();
  }
  await page.waitForFunction((n) => performance.getEntriesByName('hubecon:views-updated').length > n, before, {
    timeout: 600000,
  });
  return page.evaluate((before) => {
    // The first mark after the change is its own.
    const mark = performance.getEntriesByName('hubecon:views-updated')[before];
    // Which boxes were redrawn, with their engine and whole-box times.
    const boxes = [...document.querySelectorAll('section.panel[data-ms]')]
      .filter((n) => {
        const r = n.getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight;
      })
      .map((n) => `${n.id.replace(/^panel-/, '')} ${n.dataset.computeMs}/${n.dataset.ms}`);
    return { ...mark.detail, boxes };
  }, before);
}

/**
 * The engine's idle-time preparation after the first drawing (mark 'hubecon:engine-prepared'):
 * engine time summed over its slices, the number of slices and the longest one (how long a
 * click could wait for it).
 */
async function preparedDetail(page) {
  const marked = await page
    .waitForFunction(() => performance.getEntriesByName('hubecon:engine-prepared').length > 0, null, { timeout: 120000 })
    .then(() => true, () => false);
  if (!marked) return 'no mark within 120 s';
  return page.evaluate(() => {
    const d = performance.getEntriesByName('hubecon:engine-prepared')[0].detail;
    return { ms: Math.round(d.ms), ready: d.ready, slices: d.slices, longestSliceMs: Math.round(d.longestSliceMs ?? d.ms) };
  });
}

async function perViewTimes(page) {
  const ids = await page.$$eval('section.panel', (ns) => ns.map((n) => n.id));
  const out = {};
  for (const id of ids) {
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (id) => {
        const n = document.getElementById(id);
        return n.dataset.ms && n.getAttribute('aria-busy') === 'false';
      },
      id,
      { timeout: 600000 },
    );
    const box = page.locator(`#${id}`);
    // Engine time (report) and the whole box (report + chart + table); deferred boxes say so.
    out[id.replace(/^panel-/, '')] = (await box.getAttribute('data-deferred'))
      ? 'deferred (computed on click)'
      : { engineMs: Number(await box.getAttribute('data-compute-ms')), boxMs: Number(await box.getAttribute('data-ms')) };
  }
  return out;
}

/** Waits until no box is busy, then a little more (the scroll's own redraws, idle preparation). */
async function settle(page) {
  await page.waitForTimeout(300);
  await page.waitForFunction(
    () => [...document.querySelectorAll('section.panel')].every((n) => n.getAttribute('aria-busy') !== 'true'),
    null,
    { timeout: 600000 },
  );
  await page.waitForTimeout(200);
}

/**
 * The same option change with the page scrolled to each box in turn (its top at the top of the
 * window): the latency until every box then in view is redrawn. Each change uses a window length
 * not used before on the page, so no engine cache holds its results.
 */
async function optionChangeAtEachBox(page, firstValue) {
  const ids = await page.$$eval('section.panel', (ns) => ns.map((n) => n.id));
  const out = {};
  let value = firstValue;
  for (const id of ids) {
    await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'start' }), id);
    await settle(page);
    const r = await optionChange(page, value++);
    out[id.replace(/^panel-/, '')] = { ms: Math.round(r.ms), boxes: r.boxes.join(', ') };
  }
  return out;
}

/**
 * Waits for the engine's idle-time preparation that follows a drawing (its mark is set again
 * once the layout for the current population filter is there), so that every change is timed
 * as a user would meet it a few seconds after the previous one.
 */
async function preparedAgain(page, marksBefore) {
  await page.waitForFunction(
    (n) => performance.getEntriesByName('hubecon:engine-prepared').length > n,
    marksBefore,
    { timeout: 120000 },
  );
}

const preparedMarks = (page) => page.evaluate(() => performance.getEntriesByName('hubecon:engine-prepared').length);

/**
 * A change of each economies option and its way back, with the page scrolled to each box in
 * turn (the first mark after each change times it: `setOption`). Before each
 * change the window length is set to a value not used before (untimed), so that no engine cache
 * holds the changed option's results from an earlier box; values that can differ from box to box
 * (population filter, top N, dates) differ too.
 */
async function everyOptionAtEachBox(page) {
  const ids = await page.$$eval('section.panel', (ns) => ns.map((n) => n.id));
  const out = {};
  let weeks = 60;
  for (const [i, id] of ids.entries()) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const changes = [
      ['attribution', 'root', 'direct'],
      ['min-downloads', String(100 + i), '200'],
      ['window-on', false, true],
      ['granularity', 'month', 'week'],
      ['top', String(20 + i), '10'],
      ['from', `2024-01-${day}`, ''],
      ['created-from', `2024-02-${day}`, ''],
      ['level', 'developer', ''],
      ['attribute', 'license', ''],
    ];
    const box = id.replace(/^panel-/, '');
    out[box] = {};
    // Scrolled to this box again (the level rebuilds the boxes) and settled, `act`, then the
    // engine's idle preparation that follows.
    const afterSettling = async (act) => {
      await page.evaluate((id) => document.getElementById(id)?.scrollIntoView({ block: 'start' }), id);
      await settle(page);
      const marks = await preparedMarks(page);
      const r = await act();
      await preparedAgain(page, marks);
      return { ms: Math.round(r.ms), boxes: r.boxes.join(', ') };
    };
    for (const [name, value, back] of changes) {
      await afterSettling(() => optionChange(page, weeks++));
      out[box][name] = { to: value, ...(await afterSettling(() => setOption(page, name, value))) };
      out[box][`${name} back`] = { to: back, ...(await afterSettling(() => setOption(page, name, back))) };
    }
  }
  const worst = {};
  for (const [box, changes] of Object.entries(out)) {
    for (const [change, r] of Object.entries(changes)) {
      if (!worst[change] || r.ms > worst[change].ms) worst[change] = { ms: r.ms, box };
    }
  }
  return { everyOptionScrolledTo: out, everyOptionWorst: worst };
}

async function measureEveryOption(server, target) {
  const url = `${server.url}index.html?snapshot=${encodeURIComponent(target.query)}`;
  const browser = await launchBrowser({
    viewport: { width: 1400, height: 900 },
    extraArgs: JS_FLAGS ? [`--js-flags=${JS_FLAGS}`] : [],
  });
  try {
    const page = await browser.context.newPage();
    await firstChart(page, url);
    const prepared = await preparedDetail(page);
    return { snapshot: target.label, enginePrepared: prepared, ...(await everyOptionAtEachBox(page)) };
  } finally {
    await browser.close();
  }
}

async function measure(server, target) {
  const url = `${server.url}index.html?snapshot=${encodeURIComponent(target.query)}`;
  const cold = [];
  const warm = [];
  const changes = [];
  let views = null;
  let byPosition = null;
  let prepared = null;
  for (let run = 0; run < RUNS; run++) {
    const browser = await launchBrowser({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await browser.context.newPage();
      cold.push(await firstChart(page, url));
      // Let the service worker take over and cache, then reload: the warm case.
      await page.waitForTimeout(1500);
      warm.push(await firstChart(page, url));
      if (run === 0) prepared = await preparedDetail(page);
      for (const v of [26, 39, 52]) changes.push(await optionChange(page, v));
      if (run === 0) {
        views = await perViewTimes(page);
        byPosition = await optionChangeAtEachBox(page, 30);
      }
    } finally {
      await browser.close();
    }
  }
  return {
    snapshot: target.label,
    bytes: target.bytes,
    firstChartColdMs: Math.round(median(cold.map((c) => c.firstChartMs))),
    firstChartWarmMs: Math.round(median(warm.map((c) => c.firstChartMs))),
    decodeColdMs: Math.round(median(cold.map((c) => c.decodeMs))),
    snapshotFetchColdMs: Math.round(median(cold.map((c) => c.snapshotFetchMs))),
    optionChangeMs: Math.round(median(changes.map((c) => c.ms))),
    optionChangeViews: median(changes.map((c) => c.views)),
    optionChangeBoxes: changes.at(-1)?.boxes,
    runs: RUNS,
    perViewMs: views,
    enginePrepared: prepared,
    optionChangeScrolledTo: byPosition,
  };
}

if (args.includes('--every-option')) {
  const server = await startServer();
  try {
    console.log(JSON.stringify(await measureEveryOption(server, largeSnapshot())));
  } finally {
    await server.stop();
  }
  process.exit(0);
}

const listed = JSON.parse(fs.readFileSync(path.join(WWW, 'snapshots.json'), 'utf8')).snapshots;
const targets = [];
const def = listed.find((s) => s.default) || listed[0];
if (def) targets.push({ query: def.file, bytes: def.bytes, label: `${def.file} (default)` });
for (const s of listed) if (s !== def) targets.push({ query: s.file, bytes: s.bytes, label: s.file });
if (!SKIP_LARGE) targets.push(largeSnapshot());

const server = await startServer();
const results = [];
try {
  for (const t of targets) {
    const r = await measure(server, t);
    results.push(r);
    console.log(JSON.stringify(r));
  }
} finally {
  await server.stop();
}
console.log('\nsnapshot | bytes | first chart cold | warm | decode (cold) | option change (views)');
for (const r of results) {
  console.log(
    `${r.snapshot} | ${r.bytes} | ${r.firstChartColdMs} ms | ${r.firstChartWarmMs} ms | ${r.decodeColdMs} ms | ${r.optionChangeMs} ms (${r.optionChangeViews})`,
  );
}
