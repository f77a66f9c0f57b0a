// The wasm benchmark in Node: node bench/node.mjs SNAPSHOT.arrow [RUNS] [OUT.json] [QUERIES.json]
// Loads www/pkg (build it with scripts/build wasm; HUBECON_PKG=DIR picks another wasm-bindgen output,
// to compare wasm-opt settings) and runs bench/suite.mjs on the snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite } from './suite.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [snapshotPath, runsArg, outPath, queriesPath] = process.argv.slice(2);
if (!snapshotPath) {
  console.error('usage: node bench/node.mjs SNAPSHOT.arrow [RUNS] [OUT.json] [QUERIES.json]');
  process.exit(2);
}
const pkgDir = path.resolve(root, process.env.HUBECON_PKG || 'www/pkg');
const pkg = await import(path.join(pkgDir, 'hubecon.js'));
const result = await runSuite({
  pkg,
  wasmBytes: fs.readFileSync(path.join(pkgDir, 'hubecon_bg.wasm')),
  snapshotBytes: new Uint8Array(fs.readFileSync(snapshotPath)),
  queries: JSON.parse(fs.readFileSync(queriesPath || path.join(root, 'bench/queries.json'), 'utf8')),
  runs: Number(runsArg || 3),
  log: (line) => console.error(`  node: ${line}`),
});
result.runtime = `node ${process.version}`;
const text = JSON.stringify(result, null, 1);
if (outPath && outPath !== '-') fs.writeFileSync(outPath, text);
else console.log(text);
