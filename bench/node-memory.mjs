// The engine's wasm memory (MiB) at each step of a dashboard session under Node: after the
// snapshot's load, after the three concentration boxes, after `engine.prepare` (the idle
// preparation: week-order layout, label sets, developers' chains), and after two window changes.
// Wasm memory never shrinks, so the last figure is the session's peak so far (a benchmark: prints
// figures, asserts nothing).
//
//   node bench/node-memory.mjs SNAPSHOT.arrow
//
// HUBECON_PKG=DIR measures another wasm-bindgen output (to pair two builds in one session).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const snapshotPath = process.argv[2];
if (!snapshotPath) {
  console.error('usage: node bench/node-memory.mjs SNAPSHOT.arrow');
  process.exit(2);
}
const pkgDir = path.resolve(root, process.env.HUBECON_PKG || 'www/pkg');
const pkg = await import(path.join(pkgDir, 'hubecon.js'));
const wasm = pkg.initSync({ module: fs.readFileSync(path.join(pkgDir, 'hubecon_bg.wasm')) });
const engine = pkg.Engine.load(new Uint8Array(fs.readFileSync(snapshotPath)));
const report = (label) => console.log(`${label.padEnd(22)} ${(wasm.memory.buffer.byteLength / 2 ** 20).toFixed(0).padStart(6)} MiB`);
const levels = ['model', 'developer', 'country'];
report('after load');
for (const level of levels) engine.report('concentration', { level });
report('after the views');
engine.prepare({ attribute: 'architecture' }); // as the dashboard: with the trends box's attribute
report('after prepare');
for (const window of ['13', '26']) {
  for (const level of levels) engine.report('concentration', { level, 'window-weeks': window });
}
report('after two windows');
engine.free();
