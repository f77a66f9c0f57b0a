// Where a screen's redraw after a window change goes, in headless Chromium (a benchmark: prints
// figures, asserts nothing).
//
//   node bench/screen-profile.mjs [--snapshot /fixtures/synthetic-1000000.arrow] [--option NAME=VALUE] [PANEL ...]
//
// For each panel id given (default: the Economies screens), the page is scrolled to it, the
// rolling window changed, and a Chromium trace with the V8 sampling profiler is taken until the
// mark 'hubecon:views-updated'. Printed per screen: the redraw's time, the profiler's samples of
// that interval by script (the wasm module, plot.js, views.js ...) and by function, and the
// browser's own work in it (style, layout: forced by a script when it reads a size or a computed
// style after the page changed). The dashboard's wasm build strips the function names: for names,
// run `wasm-bindgen --target web --out-dir DIR --out-name hubecon
// target/wasm32-unknown-unknown/wasm-release/hubecon.wasm` and copy DIR's files over www/pkg
// while profiling (then `scripts/build wasm` again).
//
// With `--option NAME=VALUE` (an option field's id without `opt-`, such as min-downloads=106) the
// traced change is that option's instead: the window is changed first (untimed) and the engine's
// idle preparation awaited, as `dashboard-timing.mjs --every-option` does; the option is set back
// after each screen.
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_DIR, launchBrowser, startServer } from '../tests/e2e/helpers.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--snapshot');
const snapshot = at >= 0 ? args[at + 1] : '/fixtures/synthetic-1000000.arrow';
const optionAt = args.indexOf('--option');
const [optionName, optionValue] = optionAt >= 0 ? args[optionAt + 1].split('=') : [null, null];
const panels = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1) && (optionAt < 0 || i !== optionAt + 1));
const SCREENS = panels.length
  ? panels
  : ['leaderboard-model', 'shares-developer', 'concentration-model', 'concentration-developer', 'modality', 'incidence', 'sizes', 'flows', 'trends'];
if (snapshot.startsWith('/fixtures/') && !fs.existsSync(path.join(FIXTURE_DIR, path.basename(snapshot)))) {
  console.error(`${snapshot}: not in ${FIXTURE_DIR} (node bench/dashboard-timing.mjs builds the 1 M one)`);
  process.exit(1);
}

const CATEGORIES = 'devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing,disabled-by-default-v8.cpu_profiler';

/** Self time (µs) per key of the trace's complete events on one thread within [t0, t1]. */
function selfTimes(events, pid, tid, t0, t1) {
  const xs = events
    .filter((e) => e.ph === 'X' && e.pid === pid && e.tid === tid && e.dur && e.ts >= t0 && e.ts <= t1)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  for (const e of xs) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    if (stack.length) self.set(stack.at(-1).name, (self.get(stack.at(-1).name) || 0) - e.dur);
    self.set(e.name, (self.get(e.name) || 0) + e.dur);
    stack.push(e);
  }
  return self;
}

/** The sampling profiler's time (µs) per script and per function within [t0, t1]. */
function samples(events, t0, t1) {
  const profile = events.find((e) => e.name === 'Profile');
  const byScript = new Map();
  const byFunction = new Map();
  if (!profile) return { byScript, byFunction, pid: null, tid: null };
  let t = profile.args.data.startTime;
  const nodes = new Map();
  const chunks = events.filter((e) => e.name === 'ProfileChunk' && e.pid === profile.pid).sort((a, b) => a.ts - b.ts);
  for (const c of chunks) {
    const cpu = c.args.data.cpuProfile || {};
    for (const n of cpu.nodes || []) nodes.set(n.id, n.callFrame);
    const deltas = c.args.data.timeDeltas || [];
    (cpu.samples || []).forEach((id, i) => {
      t += deltas[i] || 0;
      if (t < t0 || t > t1) return;
      const frame = nodes.get(id) || {};
      const script = (frame.url || '').split('/').pop() || frame.functionName || '?';
      const fn = `${frame.functionName || '(anonymous)'} [${script}]`;
      byScript.set(script, (byScript.get(script) || 0) + (deltas[i] || 0));
      byFunction.set(fn, (byFunction.get(fn) || 0) + (deltas[i] || 0));
    });
  }
  return { byScript, byFunction, pid: profile.pid, tid: profile.tid };
}

const top = (map, n) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / 1000).toFixed(1)} ${k}`);

/** Fills a text or number option field, or picks a select's option, and applies it (as leaving the field does). */
async function changeField(page, name, value) {
  const input = page.locator(`#opt-${name}`);
  // selectOption fires the select's own change event.
  if ((await input.evaluate((n) => n.tagName)) === 'SELECT') return input.selectOption(value);
  await input.fill(value);
  await input.dispatchEvent('change');
}

const server = await startServer();
const browser = await launchBrowser({ viewport: { width: 1400, height: 900 } });
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}index.html?snapshot=${encodeURIComponent(snapshot)}`);
  await page.waitForFunction(() => performance.getEntriesByName('hubecon:engine-prepared').length > 0, null, { timeout: 600000 });
  let weeks = 30;
  for (const id of SCREENS) {
    await page.evaluate((id) => document.getElementById(id)?.scrollIntoView({ block: 'start' }), `panel-${id}`);
    await page.waitForTimeout(500);
    await page.waitForFunction(() => [...document.querySelectorAll('section.panel')].every((n) => n.getAttribute('aria-busy') !== 'true'), null, { timeout: 600000 });
    await page.waitForTimeout(1000);
    let optionBefore = null;
    if (optionName) {
      const marks = await page.evaluate(() => performance.getEntriesByName('hubecon:engine-prepared').length);
      await changeField(page, 'window-weeks', String(weeks++));
      await page.waitForFunction((n) => performance.getEntriesByName('hubecon:engine-prepared').length > n, marks, { timeout: 600000 });
      await page.waitForTimeout(500);
      optionBefore = await page.locator(`#opt-${optionName}`).inputValue();
    }
    const cdp = await page.context().newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
    const before = await page.evaluate(() => performance.getEntriesByName('hubecon:views-updated').length);
    if (optionName) await changeField(page, optionName, optionValue);
    else await changeField(page, 'window-weeks', String(weeks++));
    await page.waitForFunction((n) => performance.getEntriesByName('hubecon:views-updated').length > n, before, { timeout: 600000 });
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
    const boxes = await page.evaluate(() =>
      [...document.querySelectorAll('section.panel[data-ms]')]
        .filter((n) => {
          const r = n.getBoundingClientRect();
          return r.bottom > 0 && r.top < window.innerHeight;
        })
        .map((n) => `${n.id.replace(/^panel-/, '')} ${n.dataset.computeMs}/${n.dataset.ms}`),
    );
    const mark = events.filter((e) => e.name === 'hubecon:views-updated').at(-1);
    if (!mark) {
      console.log(`== ${id}: no mark in the trace`);
      continue;
    }
    const ms = JSON.parse(mark.args.data.detail).ms;
    const t1 = mark.ts;
    const t0 = t1 - ms * 1000;
    const { byScript, byFunction, pid, tid } = samples(events, t0, t1);
    console.log(`== ${id}: ${ms.toFixed(0)} ms; boxes (engine/whole ms): ${boxes.join(', ')}`);
    console.log(`   by script (ms): ${top(byScript, 6).join('; ')}`);
    console.log(`   by function (ms): ${top(byFunction, 8).join('; ')}`);
    if (optionName) {
      const marks = await page.evaluate(() => performance.getEntriesByName('hubecon:views-updated').length);
      await changeField(page, optionName, optionBefore);
      await page.waitForFunction((n) => performance.getEntriesByName('hubecon:views-updated').length > n, marks, { timeout: 600000 });
    }
    if (pid !== null) {
      const browserWork = selfTimes(events, pid, tid, t0, t1);
      browserWork.delete('RunMicrotasks');
      browserWork.delete('RunTask');
      console.log(`   the browser's own (ms): ${top(browserWork, 5).join('; ')}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
