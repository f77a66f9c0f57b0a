// The page side of the Chromium benchmark (see browser.html).
import * as pkg from '../www/pkg/hubecon.js';
import { runSuite } from './suite.mjs';

const params = new URLSearchParams(location.search);
try {
  const [queries, wasm, snapshot] = await Promise.all([
    fetch(params.get('queries') || 'queries.json').then((r) => r.json()),
    fetch('../www/pkg/hubecon_bg.wasm').then((r) => r.arrayBuffer()),
    fetch(params.get('snapshot')).then((r) => {
      if (!r.ok) throw new Error(`snapshot: HTTP ${r.status}`);
      return r.arrayBuffer();
    }),
  ]);
  const result = await runSuite({
    pkg,
    wasmBytes: wasm,
    snapshotBytes: new Uint8Array(snapshot),
    queries,
    runs: Number(params.get('runs') || 3),
    log: (line) => console.log(line),
  });
  result.runtime = navigator.userAgent;
  window.hubeconBench = result;
} catch (e) {
  window.hubeconBenchError = String(e && e.stack ? e.stack : e);
}
