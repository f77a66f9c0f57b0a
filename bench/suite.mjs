// The wasm benchmark suite, shared by the Node harness (bench/node.mjs) and the headless-Chromium
// page (bench/browser.html). It only needs the wasm-bindgen module of www/pkg and snapshot bytes.
//
//   const result = await runSuite({ pkg, wasmBytes, snapshotBytes, queries, runs, log });
//
// `queries` is bench/queries.json (examples/bench_suite.rs times the same list natively).
// Times (milliseconds, median of `runs` after one warm-up unless said otherwise): Engine.load,
// every view with the dashboard's default options (its first, index-building call is reported as
// `first_ms`), "all views for one option set" (engine.report, rows as JS objects; and as CSV
// text), "one option change" (every view recomputed after the option in queries.json changes), the
// peers' queries Q1-Q4 with the options that give the peers' semantics, and wasm memory
// (`memory.buffer.byteLength`, which never shrinks: the peak).

const now = () => performance.now();
export const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

// `before` runs untimed before every call (e.g. engine.clearOptionCaches, so that a repeated query
// is computed again rather than looked up in the engine's per-option caches).
function timeRuns(fn, runs, before = () => {}) {
  before();
  const first0 = now();
  let value = fn();
  const first = now() - first0;
  const times = [];
  for (let i = 0; i < runs; i++) {
    before();
    const t0 = now();
    value = fn();
    times.push(now() - t0);
  }
  return { first_ms: first, median_ms: median(times), times_ms: times, value };
}

const errorText = (e) => String(e && e.message ? e.message : e);

export async function runSuite({ pkg, wasmBytes, snapshotBytes, queries, runs = 3, log = () => {} }) {
  const out = { runs, snapshot_bytes: snapshotBytes.byteLength, views: {}, peer_queries: {}, errors: {} };
  const t0 = now();
  const exports = await pkg.default({ module_or_path: wasmBytes });
  out.init_ms = now() - t0;
  const memory = () => exports.memory.buffer.byteLength;
  out.memory_at_start_bytes = memory();

  // Engine.load: each run loads a fresh engine (the previous one is freed first).
  const loads = [];
  let engine = null;
  for (let i = 0; i < Math.max(1, runs); i++) {
    if (engine) engine.free();
    const l0 = now();
    engine = pkg.Engine.load(snapshotBytes);
    loads.push(now() - l0);
    if (i === 0) out.memory_after_load_bytes = memory();
  }
  out.load_ms = median(loads);
  out.load_times_ms = loads;
  out.info = engine.info();
  log(`load ${out.load_ms.toFixed(1)} ms, ${out.info.models} models, memory ${(memory() / 2 ** 20).toFixed(0)} MiB`);

  for (const c of queries.views) {
    try {
      const r = timeRuns(() => engine.reportCsv(c.view, c.options), runs);
      out.views[c.name] = { first_ms: r.first_ms, median_ms: r.median_ms, csv_bytes: r.value.length };
      log(`${c.name}: first ${r.first_ms.toFixed(1)} ms, median ${r.median_ms.toFixed(1)} ms`);
    } catch (e) {
      out.errors[c.name] = errorText(e);
      log(`${c.name}: ${errorText(e)}`);
    }
  }
  const working = queries.views.filter((c) => !(c.name in out.errors));
  // Every working view for one option set (the indexes are built by now, as on the page).
  const all = timeRuns(() => { for (const c of working) engine.report(c.view, c.options); }, runs);
  out.all_views_ms = all.median_ms;
  out.all_views_count = working.length;
  // The same as CSV text: what the views cost without turning every row into a JS object.
  const allCsv = timeRuns(() => { for (const c of working) engine.reportCsv(c.view, c.options); }, runs);
  out.all_views_csv_ms = allCsv.median_ms;
  // One option change (the rolling window, which every economies view depends on), every view again.
  const { name: changed, values } = queries.option_change;
  // Each run takes the next value and starts without per-option caches: every view is computed
  // for option values it has not seen, as after a reader's change.
  let flip = 0;
  const change = timeRuns(() => {
    flip = 1 - flip;
    for (const c of working) engine.report(c.view, { ...c.options, [changed]: values[flip] });
  }, runs, () => engine.clearOptionCaches());
  out.option_change_ms = change.median_ms;
  log(`all ${working.length} views ${all.median_ms.toFixed(1)} ms; one option change ${change.median_ms.toFixed(1)} ms`);

  for (const [q, calls] of Object.entries(queries.peer_queries)) {
    try {
      const r = timeRuns(() => calls.map((c) => engine.report(c.view, c.options)), runs, () => engine.clearOptionCaches());
      out.peer_queries[q] = { median_ms: r.median_ms, first_ms: r.first_ms, answer: r.value.map((x) => x.rows) };
      log(`${q}: ${r.median_ms.toFixed(1)} ms`);
    } catch (e) {
      out.errors[q] = errorText(e);
      log(`${q}: ${errorText(e)}`);
    }
  }
  out.memory_peak_bytes = memory();
  engine.free();
  return out;
}
