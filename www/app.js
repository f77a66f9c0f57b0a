// The hubecon dashboard: snapshot choice and loading, the options panel, the URL state and the
// layout of every view box. Drawing a view is views.js's job; loading the engine is engine.js's.
//
// URL state (a permalink reproduces the page): `?snapshot=data/x.arrow&hash=<content hash>` plus
// every option that differs from the paper's defaults, under its CLI name (`window-weeks=26`,
// `no-window=true`, `relations=finetune,adapter`, ...), and `#panel-<id>` for the view in focus.
// Performance marks for tests and benchmarks: 'hubecon:first-chart' (first view drawn after a
// snapshot loaded) and 'hubecon:views-updated' (detail {ms, views}) after an option change.

import { loadSnapshot, listSnapshots, loadWasm, registerOffline, releaseSnapshot, errorMessage } from './engine.js';
import { renderView, PANELS, viewTitle, viewOptions, loadLibs, themeColors, engineCall } from './views.js';

const $ = (id) => document.getElementById(id);

// --- options: the form ↔ an options object ↔ the URL ---

// Text inputs and selects whose value is sent when it differs from its default (the CLI defaults).
const VALUE_OPTIONS = {
  'window-weeks': '52',
  attribution: 'direct',
  'min-downloads': '200',
  level: '',
  top: '10',
  granularity: 'week',
  periods: '2022-12-31,2023-12-31,2024-12-31',
  from: '',
  to: '',
  'created-from': '',
  'created-to': '',
  attribute: '',
  'before-until': '2024-12-31',
  basis: 'downloads',
  'max-p': '',
  where: '',
  bootstrap: '0',
  seed: '1',
  'window-days': '90',
  'min-siblings': '5',
  'crowding-days': '30',
};
const FLAG_OPTIONS = ['no-window', 'unbounded', 'transitive', 'score-roots', 'weighted'];
const RELATIONS = ['finetune', 'adapter', 'quantized', 'merge', 'other'];
const STATE_PARAMS = ['snapshot', 'hash'];

function inputFor(name) {
  return $(`opt-${name}`);
}

const truthy = (v) => v === '' || v === 'true' || v === '1' || v === 'yes' || v === 'on';

/** The options the form describes, only those that differ from the defaults (CLI names). */
function optionsFromForm() {
  const out = {};
  for (const [name, def] of Object.entries(VALUE_OPTIONS)) {
    const input = inputFor(name);
    if (!input || input.disabled) continue;
    const v = String(input.value ?? '').trim();
    if (v !== def) out[name] = v;
  }
  if (!$('opt-window-on').checked) {
    delete out['window-weeks'];
    out['no-window'] = true;
  }
  if ($('opt-unbounded').checked) {
    delete out['window-days'];
    out.unbounded = true;
  }
  for (const flag of ['transitive', 'score-roots', 'weighted']) if (inputFor(flag).checked) out[flag] = true;
  if (!$('opt-relations-default').checked) {
    const chosen = [...$('opt-relations').querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value);
    out.relations = chosen.join(',');
  }
  // Explicit period cuts imply the 'periods' granularity (the engine does the same).
  if ('periods' in out) delete out.granularity;
  return out;
}

/** Puts an options object (CLI names, string values) into the form; unknown names are ignored. */
function optionsToForm(options) {
  for (const [name, def] of Object.entries(VALUE_OPTIONS)) {
    const input = inputFor(name);
    if (input) input.value = name in options ? String(options[name]) : def;
  }
  $('opt-window-on').checked = !truthy(String(options['no-window'] ?? 'false'));
  $('opt-unbounded').checked = truthy(String(options.unbounded ?? 'false'));
  for (const flag of ['transitive', 'score-roots', 'weighted']) inputFor(flag).checked = truthy(String(options[flag] ?? 'false'));
  const relations = options.relations ? String(options.relations).split(',').map((s) => s.trim()) : null;
  $('opt-relations-default').checked = !relations;
  for (const box of $('opt-relations').querySelectorAll('input')) box.checked = relations ? relations.includes(box.value) : true;
  if (options.periods && options.periods !== VALUE_OPTIONS.periods) inputFor('granularity').value = 'periods';
  syncDisabled();
}

function syncDisabled() {
  inputFor('window-weeks').disabled = !$('opt-window-on').checked;
  inputFor('window-days').disabled = $('opt-unbounded').checked;
  const byDefault = $('opt-relations-default').checked;
  for (const box of $('opt-relations').querySelectorAll('input')) box.disabled = byDefault;
}

function optionsFromUrl(params) {
  const out = {};
  for (const [k, v] of params) {
    if (STATE_PARAMS.includes(k)) continue;
    if (k in VALUE_OPTIONS || FLAG_OPTIONS.includes(k) || k === 'relations') out[k] = v;
  }
  return out;
}

function writeUrl() {
  const params = new URLSearchParams();
  if (state.snapshotParam) params.set('snapshot', state.snapshotParam);
  if (state.info && state.info.content_hash) params.set('hash', state.info.content_hash);
  for (const [k, v] of Object.entries(state.options)) params.set(k, v === true ? 'true' : String(v));
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}

// --- state ---

const state = {
  snapshots: [],
  snapshotParam: null, // what the URL names: a listed path, or 'file:NAME' for a local file
  snapshotUrl: null, // the URL given to loadSnapshot (null for a local file)
  handle: null, // {engine, info, ...} from engine.js
  info: null,
  options: {},
  expectedHash: null,
  loadToken: 0,
  renderToken: 0,
  firstChartMarked: false,
  slots: new Map(), // panel id → {panel, node, key, visible}
};

// --- snapshot facts, progress, errors ---

function formatBytes(n) {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function showProgress(event, fallbackTotal) {
  const row = $('progress-row');
  const bar = $('progress');
  const text = $('progress-text');
  row.hidden = false;
  if (event.phase === 'fetch') {
    const total = event.total || fallbackTotal || null;
    if (total) {
      bar.max = total;
      bar.value = Math.min(event.loaded, total);
      text.textContent = `Fetching ${formatBytes(event.loaded)} of ${formatBytes(total)} (${Math.floor((100 * Math.min(event.loaded, total)) / total)} %)`;
    } else {
      bar.removeAttribute('value');
      text.textContent = `Fetching ${formatBytes(event.loaded)}…`;
    }
  } else {
    bar.removeAttribute('value'); // indeterminate while the engine decodes
    text.textContent = event.loaded >= event.total && event.total ? 'Decoded; drawing the views…' : `Decoding ${formatBytes(event.total)}…`;
  }
}

function hideProgress() {
  $('progress-row').hidden = true;
}

function showSnapshotError(message) {
  const box = $('snapshot-error');
  box.textContent = message;
  box.hidden = !message;
}

function renderFacts(info, label) {
  const dl = $('snapshot-facts');
  dl.replaceChildren();
  const add = (term, value) => {
    if (value === undefined || value === null || value === '') return;
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = term;
    dd.textContent = String(value);
    div.append(dt, dd);
    dl.append(div);
  };
  const n = new Intl.NumberFormat('en');
  add('Data', info.synthetic ? 'SYNTHETIC (generated, not the Hub)' : 'real');
  add('Source', info.source);
  add('Taken', info.snapshot_date);
  add('Models', Number.isFinite(info.models) ? n.format(info.models) : info.models);
  add('Weekly download rows', Number.isFinite(info.download_rows) ? n.format(info.download_rows) : info.download_rows);
  if (info.first_week || info.last_week) add('Weeks', `${info.first_week || '?'} → ${info.last_week || '?'}`);
  add('Format', info.format_version);
  add('Content hash', info.content_hash ? String(info.content_hash).slice(0, 16) : '');
}

function checkHash() {
  const box = $('hash-warning');
  const want = state.expectedHash;
  const have = state.info && state.info.content_hash;
  if (want && have && want !== have) {
    box.textContent = `This link was made with a snapshot whose content hash is ${want.slice(0, 16)}…; the one loaded now has ${String(have).slice(0, 16)}…, so the numbers may differ from the ones the link's author saw.`;
    box.hidden = false;
  } else {
    box.hidden = true;
    box.textContent = '';
  }
}

// --- the snapshot list and loading ---

function fillSnapshotSelect(extraLocal) {
  const select = $('snapshot-select');
  select.replaceChildren();
  for (const s of state.snapshots) {
    const opt = document.createElement('option');
    opt.value = s.file;
    const title = s.title.length > 72 ? `${s.title.slice(0, 71)}…` : s.title;
    opt.textContent = `${title}${s.synthetic && !/synthetic/i.test(title) ? ' (synthetic)' : ''}${s.bytes ? ` — ${formatBytes(s.bytes)}` : ''}`;
    opt.title = s.title;
    select.append(opt);
  }
  if (extraLocal) {
    const opt = document.createElement('option');
    opt.value = `file:${extraLocal}`;
    opt.textContent = `Local file: ${extraLocal}`;
    select.append(opt);
  }
  if (!select.options.length) {
    const opt = document.createElement('option');
    opt.value = '';
    opt.textContent = 'No snapshot listed: open a file';
    select.append(opt);
  }
  select.disabled = state.snapshots.length === 0 && !extraLocal;
}

/** A snapshot path from the URL: a same-site relative path, nothing that names another origin. */
function safeSnapshotPath(value) {
  if (!value || /^[a-z][a-z0-9+.-]*:/i.test(value)) return null;
  try {
    return new URL(value, location.href).origin === location.origin ? value : null;
  } catch {
    return null;
  }
}

async function openSnapshot(source, { param, label, fallbackTotal }) {
  const token = ++state.loadToken;
  showSnapshotError('');
  $('snapshot-select').setAttribute('aria-busy', 'true');
  let handle;
  try {
    handle = await loadSnapshot(source, {
      onProgress: (event) => token === state.loadToken && showProgress(event, fallbackTotal),
    });
  } catch (e) {
    if (token !== state.loadToken) return false;
    hideProgress();
    $('snapshot-select').removeAttribute('aria-busy');
    showSnapshotError(`Could not open ${label}: ${errorMessage(e)}${state.handle ? ' — still showing the previous snapshot.' : ''}`);
    // Put the picker back on what is still shown.
    if (state.snapshotParam) $('snapshot-select').value = state.snapshotParam;
    return false;
  }
  if (token !== state.loadToken) return false;
  const previousUrl = state.snapshotUrl;
  state.handle = handle;
  state.info = handle.info;
  state.snapshotParam = param;
  state.snapshotUrl = typeof source === 'string' ? source : null;
  state.snapshotLabel = label;
  state.firstChartMarked = false;
  $('snapshot-select').removeAttribute('aria-busy');
  // Free the wasm memory of the snapshot no longer shown (a switch back fetches it again).
  if (previousUrl && previousUrl !== state.snapshotUrl) releaseSnapshot(previousUrl);
  renderFacts(handle.info, label);
  checkHash();
  state.expectedHash = null;
  $('views-empty').hidden = true;
  writeUrl();
  // Options the URL carried are checked against the engine now that one exists.
  if (!validateOptions(state.options)) state.options = {};
  buildSlots();
  hideProgress();
  return true;
}

async function openListed(file) {
  const entry = state.snapshots.find((s) => s.file === file);
  const label = entry ? entry.title : file;
  return openSnapshot(file, { param: file, label, fallbackTotal: entry && entry.bytes });
}

async function openFile(file) {
  if (!file) return;
  state.userChose = true;
  const ok = await openSnapshot(file, { param: `file:${file.name}`, label: file.name, fallbackTotal: file.size });
  if (ok) {
    fillSnapshotSelect(file.name);
    $('snapshot-select').value = `file:${file.name}`;
  }
}

// --- the view boxes ---

/** The boxes to show: every panel, or one per family at a chosen level. */
function activePanels() {
  const level = state.options.level;
  if (!level) return PANELS.map((p) => ({ ...p }));
  const seen = new Set();
  const out = [];
  for (const p of PANELS) {
    if (!p.family) {
      out.push({ ...p });
    } else if (!seen.has(p.family)) {
      seen.add(p.family);
      out.push({ ...p, id: `${p.family}-${level}`, level });
    }
  }
  return out;
}

function panelOptions(panel) {
  const opts = { ...state.options };
  if (panel.level) opts.level = panel.level;
  return opts;
}

let observer = null;

function buildSlots() {
  const main = $('views');
  const toc = $('toc');
  const panels = activePanels();
  const keep = new Set(panels.map((p) => p.id));
  for (const [id, slot] of state.slots) {
    if (!keep.has(id)) {
      observer && observer.unobserve(slot.node);
      slot.node.remove();
      state.slots.delete(id);
    }
  }
  toc.replaceChildren();
  let previous = null;
  for (const panel of panels) {
    let slot = state.slots.get(panel.id);
    if (!slot) {
      const node = document.createElement('section');
      node.id = `panel-${panel.id}`;
      node.className = `panel${panel.wide ? ' wide' : ''}`;
      node.dataset.view = panel.view;
      node.dataset.panel = panel.id;
      slot = { panel, node, key: null, visible: false };
      state.slots.set(panel.id, slot);
      observer && observer.observe(node);
    }
    slot.panel = panel;
    // Keep the DOM in panel order.
    if (previous ? previous.nextSibling !== slot.node : main.firstElementChild !== slot.node) {
      if (previous) previous.after(slot.node);
      else main.prepend(slot.node);
    }
    previous = slot.node;
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#panel-${panel.id}`;
    a.textContent = viewTitle(panel.view, panelOptions(panel));
    li.append(a);
    toc.append(li);
  }
  scheduleRender();
}

function slotKey(slot) {
  return JSON.stringify([
    state.snapshotParam,
    state.info && state.info.content_hash,
    viewOptions(slot.panel.view, panelOptions(slot.panel)),
    document.documentElement.dataset.theme || '',
    state.themeGeneration || 0,
    state.widthBucket || 0,
  ]);
}

/** Charts are drawn for the width they get: a clearly different width redraws the visible ones. */
function setupResize() {
  const measure = () => Math.round($('views').clientWidth / 120);
  state.widthBucket = measure();
  let timer = null;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const bucket = measure();
      if (bucket !== state.widthBucket) {
        state.widthBucket = bucket;
        scheduleRender('resize');
      }
    }, 300);
  });
}

async function renderSlot(slot) {
  const key = slotKey(slot);
  slot.key = key;
  const result = await renderView(slot.node, {
    engine: state.handle.engine,
    view: slot.panel.view,
    options: panelOptions(slot.panel),
    info: state.info,
    snapshotUrl: state.snapshotUrl,
    headingLevel: 2,
    chartWidth: slot.chartWidth,
    chartColors: slot.chartColors,
  });
  slot.node.dataset.ms = result.ms.toFixed(1);
  slot.computeMs = result.computeMs || 0;
  if (!state.firstChartMarked && result.ok && slot.panel.view !== 'info') {
    state.firstChartMarked = true;
    performance.mark('hubecon:first-chart', { detail: { view: slot.panel.view } });
  }
  return result;
}

// One box draws at a time, even when a newer run starts while an older one awaits (a chart library
// load, a map geometry fetch): the engine is single-threaded and the timings stay per box.
let renderLock = Promise.resolve();

async function renderExclusive(slot) {
  const previous = renderLock;
  let release;
  renderLock = new Promise((resolve) => (release = resolve));
  await previous;
  try {
    if (!state.handle || slot.key === slotKey(slot)) return false;
    await renderSlot(slot);
    return true;
  } finally {
    release();
  }
}

/**
 * Redraws every visible box whose inputs changed; boxes out of sight wait until they scroll in.
 * A newer call supersedes a running one (which stops after its current box). After an option
 * change, the mark 'hubecon:views-updated' (detail {ms, views}) is set once every box on screen
 * shows the new options, whichever run finishes the work; boxes just outside the screen (within
 * the observer's margin) are redrawn after that.
 */
/** Longest run of box drawing (ms) before the browser gets a turn to paint and handle input. */
const RENDER_SLICE_MS = 50;

function scheduleRender(reason) {
  const token = ++state.renderToken;
  if (reason === 'options') {
    state.pendingChange = state.pendingChange || { t0: performance.now(), views: 0 };
  }
  queueMicrotask(async () => {
    const visible = [...state.slots.values()].filter((s) => s.visible);
    // Boxes on screen first; then those within the observer's margin, drawn ahead of a scroll.
    const onScreen = (slot) => {
      const r = slot.node.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    };
    // On screen, the box whose engine time was longest last time goes first: such a view reads
    // every kept model's rows and leaves the window's per-model sums for the lighter views after
    // it (a map or flows box then takes a few ms instead of 25–30 at 1 M models). Ties keep page order.
    const shown = visible.filter(onScreen).sort((a, b) => (b.computeMs || 0) - (a.computeMs || 0));
    const ahead = visible.filter((slot) => !onScreen(slot));
    // The width and colours of every chart to redraw now, in one layout, before any box changes
    // the page (see renderView).
    for (const slot of visible.filter((s) => s.key !== slotKey(s))) {
      slot.chartWidth = slot.node.querySelector(':scope > .hv-chart')?.clientWidth || 0;
      slot.chartColors = themeColors(slot.node);
    }
    let sliceStart = performance.now();
    const draw = async (slots) => {
      for (const slot of slots) {
        if (token !== state.renderToken || !state.handle) return false;
        if (slot.key === slotKey(slot)) continue;
        if (!(await renderExclusive(slot))) continue;
        if (state.pendingChange && slots === shown) state.pendingChange.views++;
        // The boxes on screen (two or three) are drawn in one go and painted together: a paint of
        // the whole page between them would delay the last one. Boxes ahead of the screen let
        // the browser paint and handle input once a slice of work has run.
        if (slots !== shown && performance.now() - sliceStart > RENDER_SLICE_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          sliceStart = performance.now();
        }
      }
      return token === state.renderToken;
    };
    if (!(await draw(shown))) return;
    const change = state.pendingChange;
    if (change) {
      state.pendingChange = null;
      const ms = performance.now() - change.t0;
      performance.mark('hubecon:views-updated', { detail: { ms, views: change.views } });
      $('views').dataset.updateMs = ms.toFixed(1);
    }
    if (ahead.some((slot) => slot.key !== slotKey(slot))) {
      await new Promise((resolve) => setTimeout(resolve, 0)); // paint the screen first
      sliceStart = performance.now();
      if (!(await draw(ahead))) return;
    }
    prepareWhenIdle(token);
  });
}

/**
 * After the boxes are drawn, when the browser is idle, the engine prepares what makes the next
 * change of the rolling window faster for the current population filter (`Engine.prepare`: the
 * kept rows in week and age order, then the label sets of the incidence view's attributes, one
 * attribute a slice, then the weekly concentration measures of every window length, developers',
 * the weekly sums per country and per label of the trends box's attribute, then the models'
 * measures, which those boxes then read, and those of the roots and their developers, ready for
 * root attribution: first under it, else last). The engine builds
 * it once per population filter (about 4 s in all at 1 M models, a few tens of ms at 100 k),
 * in slices of PREPARE_SLICE_MODELS models run while the browser is idle, so that a click or a
 * key press waits for one slice at most, not for the whole build. A newer drawing stops the
 * slices; its own call resumes the build (or starts another for a new filter). Once the layout
 * is there, the call returns at once. The mark 'hubecon:engine-prepared' (detail {ms, ready,
 * slices, longestSliceMs}: engine time summed over the slices) follows the last slice.
 */
const PREPARE_SLICE_MODELS = 8192;

function prepareWhenIdle(token) {
  const handle = state.handle;
  if (!handle || typeof handle.engine.prepare !== 'function') return;
  // The trends box's attribute, whose weekly sums per label the engine prepares too.
  const options = { ...state.options, attribute: engineCall('trends', state.options).options.attribute };
  const idle = window.requestIdleCallback || ((f) => setTimeout(() => f({ timeRemaining: () => 10 }), 50));
  let ms = 0;
  let slices = 0;
  let longest = 0;
  const work = (deadline) => {
    if (token !== state.renderToken || state.handle !== handle) return;
    do {
      const t0 = performance.now();
      let ready;
      try {
        ready = handle.engine.prepare(options, PREPARE_SLICE_MODELS);
      } catch (_) {
        return; // Bad options already show in the boxes; nothing to prepare for them.
      }
      const t = performance.now() - t0;
      ms += t;
      slices++;
      longest = Math.max(longest, t);
      if (ready !== undefined) {
        performance.mark('hubecon:engine-prepared', { detail: { ms, ready, slices, longestSliceMs: longest } });
        return;
      }
    } while (deadline.timeRemaining() > 10);
    idle(work);
  };
  idle(work);
}

function setupObserver() {
  if (!('IntersectionObserver' in window)) return;
  observer = new IntersectionObserver(
    (entries) => {
      let any = false;
      for (const entry of entries) {
        const slot = state.slots.get(entry.target.dataset.panel);
        if (!slot) continue;
        slot.visible = entry.isIntersecting;
        if (entry.isIntersecting && slot.key !== slotKey(slot)) any = true;
      }
      if (any) scheduleRender('scroll');
    },
    { rootMargin: '400px 0px' },
  );
}

// --- option changes ---

/** Asks the engine to parse the options (the 'info' view computes nothing); shows its message. */
function validateOptions(options) {
  const box = $('options-error');
  for (const input of $('options-form').querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (options.relations === '') {
    box.textContent = 'Not applied: relations: tick at least one relation (or “Each view’s default”).';
    box.hidden = false;
    return false;
  }
  if (!state.handle) return true;
  try {
    state.handle.engine.report('info', options);
    box.hidden = true;
    box.textContent = '';
    return true;
  } catch (e) {
    const message = errorMessage(e);
    box.textContent = `Not applied: ${message}`;
    box.hidden = false;
    for (const name of Object.keys(VALUE_OPTIONS)) {
      if (message.includes(name)) inputFor(name)?.setAttribute('aria-invalid', 'true');
    }
    return false;
  }
}

function onOptionsChanged() {
  syncDisabled();
  const options = optionsFromForm();
  if (!validateOptions(options)) return;
  const levelChanged = (options.level || '') !== (state.options.level || '');
  state.options = options;
  writeUrl();
  if (levelChanged) buildSlots();
  scheduleRender('options');
}

let changeTimer = null;

function setupForm() {
  const form = $('options-form');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('change', () => {
    clearTimeout(changeTimer);
    onOptionsChanged();
  });
  // Typing in a number or text field applies after a short pause, without waiting for blur.
  form.addEventListener('input', (e) => {
    if (e.target instanceof HTMLInputElement && ['number', 'text', 'date'].includes(e.target.type)) {
      clearTimeout(changeTimer);
      changeTimer = setTimeout(onOptionsChanged, 500);
    }
  });
  $('options-reset').addEventListener('click', () => {
    optionsToForm({});
    onOptionsChanged();
  });
  $('copy-link').addEventListener('click', async () => {
    const button = $('copy-link');
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = 'Link copied';
    } catch {
      button.textContent = 'Copy it from the address bar';
    }
    setTimeout(() => (button.textContent = 'Copy permalink'), 2500);
  });
}

// --- theme ---

const THEMES = ['system', 'light', 'dark'];

function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
  const effective = theme === 'system' ? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light') : theme;
  const button = $('theme-toggle');
  button.textContent = `Theme: ${theme}${theme === 'system' ? ` (${effective})` : ''}`;
  button.setAttribute('aria-label', `Colour theme: ${theme}${theme === 'system' ? `, currently ${effective}` : ''}. Press to change.`);
}

function setupTheme() {
  let theme = 'system';
  try {
    theme = localStorage.getItem('hubecon-theme') || 'system';
  } catch {
    // Storage may be disabled: the theme then just isn't remembered.
  }
  if (!THEMES.includes(theme)) theme = 'system';
  applyTheme(theme);
  const redraw = () => {
    state.themeGeneration = (state.themeGeneration || 0) + 1;
    scheduleRender('theme');
  };
  $('theme-toggle').addEventListener('click', () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    try {
      localStorage.setItem('hubecon-theme', theme);
    } catch {
      // See above.
    }
    applyTheme(theme);
    redraw(); // chart colours are read at draw time
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    applyTheme(theme);
    if (theme === 'system') redraw();
  });
}

// --- files: picker and drag-and-drop ---

function setupFiles() {
  const input = $('snapshot-file');
  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    input.value = '';
    openFile(file);
  });
  const overlay = $('drop-overlay');
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  document.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const file = e.dataTransfer.files && e.dataTransfer.files[0];
    openFile(file);
  });
  $('snapshot-select').addEventListener('change', (e) => {
    const value = e.target.value;
    if (value && !value.startsWith('file:')) {
      state.userChose = true;
      openListed(value);
    }
  });
}

// --- keyboard: move between views with j / k (or ] / [) outside form fields ---

function setupKeyboard() {
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON|SUMMARY)$/.test(t.tagName))) return;
    const forward = e.key === 'j' || e.key === ']';
    const backward = e.key === 'k' || e.key === '[';
    if (!forward && !backward) return;
    const nodes = [...$('views').querySelectorAll('section.panel')];
    if (!nodes.length) return;
    const current = nodes.findIndex((n) => n.contains(document.activeElement));
    const next = current < 0 ? (forward ? 0 : nodes.length - 1) : Math.max(0, Math.min(nodes.length - 1, current + (forward ? 1 : -1)));
    const heading = nodes[next].querySelector('.hv-title');
    if (heading) {
      e.preventDefault();
      heading.focus();
      heading.scrollIntoView({ block: 'start' });
    }
  });
  // A table-of-contents link moves the keyboard focus into the box, not only the scroll position.
  $('toc').addEventListener('click', (e) => {
    const a = e.target.closest('a');
    if (!a) return;
    const target = document.querySelector(a.getAttribute('href'));
    const heading = target && target.querySelector('.hv-title');
    if (heading) setTimeout(() => heading.focus(), 0);
  });
}

// --- start ---

async function start() {
  // On a phone the options start folded so that the views come first.
  if (matchMedia('(max-width: 760px)').matches) {
    $('options-details').open = false;
    $('toc-details').open = false;
  }
  setupTheme();
  setupObserver();
  setupForm();
  setupFiles();
  setupKeyboard();
  setupResize();

  const params = new URLSearchParams(location.search);
  state.options = optionsFromUrl(params);
  optionsToForm(state.options);
  state.options = optionsFromForm(); // normalised: defaults dropped, the form's view of the URL
  state.expectedHash = params.get('hash');

  // Order matters on a slow machine: the snapshot's fetch starts first, then the engine (whose
  // instantiation keeps the main thread busy for a while), then the chart library.
  let engineStarted = false;
  const startEngine = () => {
    if (engineStarted) return;
    engineStarted = true;
    loadWasm()
      .then((wasm) => {
        $('version-line').textContent = `hubecon ${wasm.version()} · snapshot format ${wasm.formatVersion()}`;
      })
      .catch((e) => showSnapshotError(`The engine could not start: ${errorMessage(e)}`));
  };

  // A snapshot named in the URL starts downloading now, beside the engine and the list (engine.js
  // shares one fetch per URL, so the load below joins this one).
  const early = safeSnapshotPath(params.get('snapshot'));
  if (early) loadSnapshot(early).catch(() => {}); // its error is shown by the load below
  const startLibs = () => loadLibs().catch(() => {}); // a failure is shown in each box, with its table
  if (early) {
    startEngine();
    setTimeout(startLibs, 0);
  }

  const list = await listSnapshots();
  state.snapshots = list.snapshots;
  if (list.error) showSnapshotError(list.error);
  const wanted = params.get('snapshot');
  let localWanted = null;
  let file = null;
  if (wanted && wanted.startsWith('file:')) {
    localWanted = wanted.slice(5);
  } else if (safeSnapshotPath(wanted)) {
    file = wanted;
    if (!state.snapshots.some((s) => s.file === wanted)) {
      state.snapshots.push({ file: wanted, title: wanted, synthetic: false });
    }
  }
  // A local file opened while the list was loading keeps its entry in the picker.
  const localShown = state.snapshotParam && state.snapshotParam.startsWith('file:') ? state.snapshotParam.slice(5) : null;
  fillSnapshotSelect(localShown);
  if (localShown) $('snapshot-select').value = state.snapshotParam;
  if (!file) {
    const def = state.snapshots.find((s) => s.default) || state.snapshots[0];
    file = def ? def.file : null;
  }
  const showLocalHint = () => {
    const box = $('hash-warning');
    const hash = params.get('hash');
    box.textContent = `This link was made with a local file, ${localWanted}${hash ? ` (content hash ${hash.slice(0, 16)}…)` : ''}. Open it with “Open a file…” to see the same views${file ? "; until then the site's default snapshot is shown" : ''}.`;
    box.hidden = false;
  };
  if (file) {
    if (!state.userChose) $('snapshot-select').value = file;
    // The hash of a link to a local file is checked when that file is opened, not against the default.
    if (localWanted) state.expectedHash = null;
    // A file the visitor picked or dropped while the page started wins over the default.
    const opening = state.userChose ? Promise.resolve(false) : openListed(file);
    startEngine();
    if (!early) setTimeout(startLibs, 0);
    const ok = await opening;
    if (localWanted) {
      state.expectedHash = params.get('hash');
      if (ok) showLocalHint();
    }
  } else {
    startEngine();
    startLibs();
    if (localWanted) showLocalHint();
    $('views-empty').textContent = 'No snapshot is listed on this site: open a .arrow snapshot with “Open a file…” or drop one here.';
  }
  registerOffline().catch(() => {});
}

start().catch((e) => showSnapshotError(`The dashboard could not start: ${errorMessage(e)}`));
