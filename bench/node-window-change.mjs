// Each dashboard box's engine time in wasm under Node after a change of the rolling window (a new
// length each time, so no cache holds the results), in the dashboard's box order and options; the
// wasm counterpart of `cargo run --release --example bench_window_change` (a benchmark: prints
// figures, asserts nothing).
//
//   node bench/node-window-change.mjs SNAPSHOT.arrow [CHANGES] [--prepare] [--prepare-each] [--only BOX[,BOX...]] [--set NAME=VALUE[,...]]
//
// With --only only those boxes are timed, as the boxes of one screen are after a change: the first
// pays what the boxes before it would share (the new window's ranges and per-model sums). With
// --set the boxes are timed under other options (such as attribution=root; a box's own come after).
//
// --prepare-each (with --set): what a reader meets when changing an option a while after a
// window change: before each change (untimed) the new window is drawn and prepared under the
// default options, then the boxes are timed under --set with that window.
//
// HUBECON_PKG=DIR times another wasm-bindgen output (to pair two builds in one session).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const valueOf = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : null;
};
const only = valueOf('--only');
const set = Object.fromEntries(
  (valueOf('--set') || '')
    .split(',')
    .filter(Boolean)
    .map((p) => [p.split('=')[0], p.split('=').slice(1).join('=')]),
);
const [snapshotPath, changesArg] = args.filter(
  (a, i) => !a.startsWith('--') && !['--only', '--set'].includes(args[i - 1]),
);
if (!snapshotPath) {
  console.error('usage: node bench/node-window-change.mjs SNAPSHOT.arrow [CHANGES] [--prepare]');
  process.exit(2);
}
const changes = Number(changesArg || 7);
const pkgDir = path.resolve(root, process.env.HUBECON_PKG || 'www/pkg');
const pkg = await import(path.join(pkgDir, 'hubecon.js'));
pkg.initSync({ module: fs.readFileSync(path.join(pkgDir, 'hubecon_bg.wasm')) });
const engine = pkg.Engine.load(new Uint8Array(fs.readFileSync(snapshotPath)));

// The dashboard's Economies boxes, in page order: [box, view, options besides the window].
const BOXES = [
  ['leaderboard-model', 'leaderboard', { level: 'model' }],
  ['leaderboard-developer', 'leaderboard', { level: 'developer' }],
  ['leaderboard-country', 'leaderboard', { level: 'country' }],
  ['map', 'leaderboard', { level: 'country', top: '1000' }],
  ['shares-developer', 'shares', { level: 'developer' }],
  ['shares-country', 'shares', { level: 'country' }],
  ['concentration-model', 'concentration', { level: 'model' }],
  ['concentration-developer', 'concentration', { level: 'developer' }],
  ['concentration-country', 'concentration', { level: 'country' }],
  ['org-by-country', 'org-by-country', {}],
  ['modality', 'modality', {}],
  ['incidence', 'incidence', {}],
  ['sizes', 'sizes', {}],
  ['flows', 'flows', {}],
  ['trends', 'trends', { attribute: 'architecture' }],
];
const report = (view, options, window) => engine.report(view, { ...options, 'window-weeks': String(window) });
for (const [, view, options] of BOXES) report(view, options, 52);
if (args.includes('--prepare')) {
  const t = performance.now();
  engine.prepare({ attribute: 'architecture' }); // as the dashboard: with the trends box's attribute
  console.log(`prepare ${(performance.now() - t).toFixed(1)} ms`);
}
const times = BOXES.map(() => []);
const ownOptions = BOXES.map((box) => box[2]);
for (const box of BOXES) box[2] = { ...set, ...box[2] };
const totals = [];
for (let c = 0; c < changes; c++) {
  if (args.includes('--prepare-each')) {
    BOXES.forEach(([, view], i) => report(view, ownOptions[i], 20 + c));
    engine.prepare({ attribute: 'architecture', 'window-weeks': String(20 + c) });
  }
  const t0 = performance.now();
  BOXES.forEach(([name, view, options], i) => {
    if (only && !only.split(',').includes(name)) return;
    const t = performance.now();
    report(view, options, 20 + c);
    times[i].push(performance.now() - t);
  });
  totals.push(performance.now() - t0);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The first change pays what the options of --set build once (roots and credits for root
// attribution, a population filter's model mask ...): shown apart.
const row = (name, xs) => `${name.padEnd(26)} ${median(xs).toFixed(1).padStart(8)} ${xs[0].toFixed(1).padStart(8)}`;
console.log(`box (dashboard order; each after a new window)   median ms over ${changes} changes, first change`);
BOXES.forEach(([name], i) => times[i].length && console.log(row(name, times[i])));
console.log(row('all boxes in order', totals));
