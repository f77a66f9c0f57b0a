// Transferred bytes of the web pages: node bench/transfer-size.mjs [--json OUT.json]
//
// Loads the dashboard (index.html, default snapshot) and a page with two widgets in headless
// Chromium from a local server, lists every file each page really fetched, and prints for each its
// size raw, gzip -9 and brotli (q 11) — what a static host with compression would send. Also prints
// the budget the issue sets (widget script + wasm under 400 KB compressed; the widget loads the
// engine's small build, pkg/hubecon_widget*) and both wasm builds before/after wasm-bindgen +
// wasm-opt (the cargo output when it is still in target/).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ensureFixtures, launchBrowser, missingPrerequisite, ROOT, startServer, WWW } from '../tests/e2e/helpers.mjs';

const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const why = missingPrerequisite();
if (why) {
  console.error(`transfer-size: ${why}`);
  process.exit(1);
}

const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
const brotli = (b) =>
  zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1).padStart(8);

function sizes(file) {
  const bytes = fs.readFileSync(file);
  return { raw: bytes.length, gzip: gzip(bytes), brotli: brotli(bytes) };
}

function kind(name) {
  if (name.endsWith('.wasm')) return 'wasm';
  if (name.endsWith('.js')) return 'js';
  if (name.endsWith('.css')) return 'css';
  if (name.endsWith('.arrow')) return 'snapshot';
  if (name.endsWith('.html')) return 'html';
  return 'data';
}

ensureFixtures();
const server = await startServer();
const browser = await launchBrowser();
const pages = {
  'dashboard (index.html, default snapshot)': 'index.html',
  'two widgets (tests/e2e/pages/two-widgets.html)': 'e2e/two-widgets.html',
};
const report = {};
try {
  for (const [label, url] of Object.entries(pages)) {
    const page = await browser.context.newPage();
    const fetched = new Set();
    page.on('requestfinished', (r) => {
      const u = new URL(r.url());
      if (u.origin === new URL(server.url).origin) fetched.add(u.pathname);
    });
    await page.goto(server.url + url);
    // Everything the first screen needs: views drawn (dashboard) or widgets settled.
    await page
      .waitForFunction(
        () => {
          const boxes = [...document.querySelectorAll('.hv-panel'), ...document.querySelectorAll('hubecon-view')];
          return (
            boxes.length > 0 &&
            boxes.every((b) => ['ok', 'error', 'ready'].includes(b.dataset.state || b.getAttribute('data-state')))
          );
        },
        null,
        { timeout: 120000 },
      )
      .catch(() => console.error(`transfer-size: ${url} did not settle in 2 minutes; listing what it fetched`));
    await page.waitForTimeout(1000);
    await page.close();
    const rows = [];
    for (const p of [...fetched].sort()) {
      const rel = p.replace(/^\//, '') || 'index.html';
      let file = path.join(WWW, rel);
      if (rel.startsWith('fixtures/')) file = path.join(ROOT, 'target', 'e2e-fixtures', rel.slice('fixtures/'.length));
      if (rel.startsWith('e2e/')) file = path.join(ROOT, 'tests', 'e2e', 'pages', rel.slice('e2e/'.length));
      if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(WWW, 'index.html');
      rows.push({ path: rel, kind: kind(rel), ...sizes(file) });
    }
    report[label] = rows;
  }
} finally {
  await browser.close();
  await server.stop();
}

for (const [label, rows] of Object.entries(report)) {
  console.log(`\n${label}`);
  console.log(`${'file'.padEnd(44)} ${'raw KB'.padStart(8)} ${'gzip KB'.padStart(8)} ${'br KB'.padStart(8)}`);
  for (const r of rows) console.log(`${r.path.padEnd(44)} ${kb(r.raw)} ${kb(r.gzip)} ${kb(r.brotli)}`);
  const byKind = {};
  for (const r of rows) {
    const k = (byKind[r.kind] ||= { raw: 0, gzip: 0, brotli: 0 });
    k.raw += r.raw;
    k.gzip += r.gzip;
    k.brotli += r.brotli;
  }
  for (const [k, v] of Object.entries(byKind)) console.log(`${`  total ${k}`.padEnd(44)} ${kb(v.raw)} ${kb(v.gzip)} ${kb(v.brotli)}`);
}

// The widget budget: the scripts a <hubecon-view> needs plus the wasm of the engine's small build
// (no snapshot, no CSS).
const widgetFiles = [
  'hubecon-widget.min.js', // hubecon-widget.js, engine.js and views.js, bundled and minified
  'vendor/plot.js',
  'pkg/hubecon_widget.js',
  'pkg/hubecon_widget_bg.wasm',
];
const widget = widgetFiles.map((f) => ({ path: f, ...sizes(path.join(WWW, f)) }));
const sum = (k) => widget.reduce((a, r) => a + r[k], 0);
console.log('\nwidget script + wasm (budget: 400 KB compressed)');
for (const r of widget) console.log(`${r.path.padEnd(44)} ${kb(r.raw)} ${kb(r.gzip)} ${kb(r.brotli)}`);
console.log(`${'  total'.padEnd(44)} ${kb(sum('raw'))} ${kb(sum('gzip'))} ${kb(sum('brotli'))}`);
const verdict = (n) => (n < 400 * 1024 ? 'within' : 'OVER');
console.log(`  gzip: ${verdict(sum('gzip'))} budget; brotli: ${verdict(sum('brotli'))} budget`);
// The list above must be what the widget page really loads (besides the snapshot list and the map).
const widgetPage = report['two widgets (tests/e2e/pages/two-widgets.html)'] || [];
const unlisted = widgetPage
  .filter((r) => (r.kind === 'js' || r.kind === 'wasm') && !widgetFiles.includes(r.path))
  .map((r) => r.path);
if (unlisted.length) console.log(`  note: the widget page also fetched ${unlisted.join(', ')}`);

// Both wasm builds, before and after wasm-bindgen + wasm-opt.
const wasmBuilds = [
  { label: 'dashboard (fast)', profile: 'wasm-release', out: 'hubecon_bg.wasm' },
  { label: 'widget (small)', profile: 'wasm-widget', out: 'hubecon_widget_bg.wasm' },
];
const wasm = {};
console.log('\nwasm');
for (const b of wasmBuilds) {
  const preOpt = path.join(ROOT, 'target', 'wasm32-unknown-unknown', b.profile, 'hubecon.wasm');
  if (fs.existsSync(preOpt)) {
    const s = sizes(preOpt);
    console.log(`${`${b.label}: cargo output`.padEnd(50)} ${kb(s.raw)} ${kb(s.gzip)} ${kb(s.brotli)}`);
  }
  const outFile = path.join(WWW, 'pkg', b.out);
  if (!fs.existsSync(outFile)) {
    console.log(`${`${b.label}: www/pkg/${b.out}`.padEnd(50)} missing (scripts/build wasm)`);
    continue;
  }
  const s = (wasm[b.out] = sizes(outFile));
  console.log(`${`${b.label}: www/pkg/${b.out}`.padEnd(50)} ${kb(s.raw)} ${kb(s.gzip)} ${kb(s.brotli)}`);
}

if (jsonOut) {
  fs.writeFileSync(jsonOut, JSON.stringify({ pages: report, widget, wasm }, null, 1));
  console.log(`\nwrote ${jsonOut}`);
}
