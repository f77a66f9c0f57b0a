// The one loader of the hubecon engine, shared by the dashboard (app.js), the widgets
// (hubecon-widget.js), the iframe fallback (embed.js) and the single-file page.
//
//   import { loadWasm, loadSnapshot, listSnapshots, registerOffline, errorMessage } from './engine.js';
//
//   useSmallEngine();                       // optional, before the first load: the widget's build
//   const wasm = await loadWasm();          // {Engine, views, formatVersion, version}; initialised once
//   const snap = await loadSnapshot('data/sample-real.arrow', {
//     onProgress: ({phase, loaded, total}) => ...,   // phase 'fetch' (total may be null) then 'decode'
//   });
//   snap.engine.report('concentration', {level: 'developer'});
//   snap.info;                              // engine.info(): {format_version, snapshot_date, source, ...}
//
// - The wasm is found relative to this file (./pkg/), so widgets on foreign pages work.
// - Two builds of the same engine (scripts/build wasm): the dashboard's fast one (pkg/hubecon*) and
//   a small one for widgets and the iframe (pkg/hubecon_widget*: optimised for size, no Arrow IPC
//   writer, so its Engine has no reportArrow). One page starts one of them, whichever the first
//   loadWasm() picks; useSmallEngine() before that picks the small one.
// - One fetch per snapshot URL: every caller asking for the same URL shares one download, one decode
//   and one Engine. Files and byte arrays are decoded per call (a File object is cached by identity).
// - Errors are `Error`s whose message says what failed and where, ready to show on the page:
//   HTTP failures, network failures, bytes that are not a snapshot, snapshots of a newer format.
// - Tests count work through performance marks (no globals): 'hubecon:wasm-init' once per wasm
//   instantiation, 'hubecon:snapshot-fetch' once per network fetch (detail: {url}),
//   'hubecon:snapshot-decode' once per Engine.load (detail: {name, bytes, ms}).

const BUILDS = {
  fast: { js: './pkg/hubecon.js', wasm: new URL('./pkg/hubecon_bg.wasm', import.meta.url) },
  small: { js: './pkg/hubecon_widget.js', wasm: new URL('./pkg/hubecon_widget_bg.wasm', import.meta.url) },
};
let buildName = 'fast';
const SNAPSHOT_LIST_URL = 'snapshots.json';

/** The prefix of snapshot sources embedded in the page itself (the single-file build). */
export const EMBEDDED_PREFIX = 'embedded:';

let wasmPromise = null;
/** url → {promise, listeners: Set, last} */
const snapshotCache = new Map();
/** File → promise (a picked file decoded once even when several views ask for it) */
const fileCache = new WeakMap();
let offlineRegistration = null;

/** A readable message of anything thrown (Error, JsError, string). */
export function errorMessage(error) {
  if (error == null) return 'unknown error';
  if (typeof error === 'string') return error;
  if (typeof error.message === 'string' && error.message) return error.message;
  return String(error);
}

function mark(name, detail) {
  try {
    performance.mark(name, { detail });
  } catch {
    // performance.mark with detail is missing in very old browsers: the count is for tests only.
  }
}

function base64ToBytes(text) {
  const binary = atob(text.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The wasm inlined by scripts/package-single-file, when this runs inside that page. */
function inlineWasmBytes() {
  if (typeof document === 'undefined') return null;
  const block = document.querySelector('script[type="application/x-hubecon-wasm-base64"]');
  return block ? base64ToBytes(block.textContent) : null;
}

/**
 * Makes this page load the small build of the engine (the widget's: a third of the download, views
 * up to about twice slower, no `reportArrow`). No effect once the engine is loading: every caller
 * of a page shares one instance.
 */
export function useSmallEngine() {
  if (!wasmPromise) buildName = 'small';
}

/**
 * Loads and initialises the wasm module once; every later call returns the same promise.
 * @returns {Promise<{Engine: Function, views: Function, formatVersion: Function, version: Function}>}
 */
export function loadWasm() {
  if (!wasmPromise) {
    wasmPromise = (async () => {
      const build = BUILDS[buildName];
      let pkg;
      try {
        // Literal specifiers, so that scripts/package-single-file can bundle them.
        pkg = await (buildName === 'small' ? import('./pkg/hubecon_widget.js') : import('./pkg/hubecon.js'));
      } catch (e) {
        throw new Error(`could not load the hubecon engine (${build.js}): ${errorMessage(e)}`);
      }
      const inline = inlineWasmBytes();
      try {
        if (inline) pkg.initSync({ module: inline });
        else await pkg.default({ module_or_path: build.wasm });
      } catch (e) {
        throw new Error(`could not start the hubecon engine (${build.wasm.pathname}): ${errorMessage(e)}`);
      }
      mark('hubecon:wasm-init', { build: buildName });
      return {
        Engine: pkg.Engine,
        views: pkg.views,
        formatVersion: pkg.formatVersion,
        version: pkg.version,
      };
    })();
    // A failed start may be retried later (for example once the network is back).
    wasmPromise.catch(() => {
      wasmPromise = null;
    });
  }
  return wasmPromise;
}

/** The absolute URL of a snapshot named relative to the page (not to this script). */
export function resolveSnapshotUrl(url) {
  const base = typeof document !== 'undefined' ? document.baseURI : import.meta.url;
  return new URL(String(url), base).href;
}

function shortName(url) {
  try {
    const u = new URL(url);
    return decodeURIComponent(u.pathname.split('/').pop() || u.href);
  } catch {
    return String(url);
  }
}

async function fetchBytes(url, emit) {
  let response;
  try {
    mark('hubecon:snapshot-fetch', { url });
    response = await fetch(url);
  } catch (e) {
    throw new Error(
      `could not fetch snapshot ${shortName(url)}: network error (offline, blocked, or the server is down)`,
    );
  }
  if (!response.ok) {
    throw new Error(
      `could not fetch snapshot ${shortName(url)}: HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  // With a compressed transfer the length header counts compressed bytes: no total then.
  const encoding = response.headers.get('content-encoding');
  const lengthHeader = Number(response.headers.get('content-length'));
  const total = !encoding || encoding === 'identity' ? lengthHeader || null : null;
  emit({ phase: 'fetch', loaded: 0, total });
  if (!response.body || typeof response.body.getReader !== 'function') {
    const bytes = new Uint8Array(await response.arrayBuffer());
    emit({ phase: 'fetch', loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      emit({ phase: 'fetch', loaded, total });
    }
  } catch (e) {
    throw new Error(`could not fetch snapshot ${shortName(url)}: the download broke off (${errorMessage(e)})`);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function nextFrame() {
  // Lets the page paint the 'decode' state before the (synchronous) decode blocks the thread.
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function decode(bytes, name, emit) {
  const wasm = await loadWasm();
  emit({ phase: 'decode', loaded: 0, total: bytes.length });
  await nextFrame();
  const t0 = performance.now();
  let engine;
  try {
    engine = wasm.Engine.load(bytes);
  } catch (e) {
    throw new Error(`snapshot ${name}: ${errorMessage(e)}`);
  }
  let info;
  try {
    info = engine.info();
  } catch (e) {
    engine.free?.();
    throw new Error(`snapshot ${name}: ${errorMessage(e)}`);
  }
  const ms = performance.now() - t0;
  mark('hubecon:snapshot-decode', { name, bytes: bytes.length, ms });
  emit({ phase: 'decode', loaded: bytes.length, total: bytes.length });
  return { engine, info, name, byteLength: bytes.length, decodeMs: ms };
}

/** The bytes of a snapshot embedded in the page (scripts/package-single-file --embed-snapshot). */
function embeddedBlock(name) {
  if (typeof document === 'undefined') return null;
  for (const block of document.querySelectorAll('script[type="application/x-hubecon-snapshot-base64"]')) {
    if (block.dataset.name === name) return block;
  }
  return null;
}

/**
 * Loads a snapshot and returns a handle shared by every caller of the same URL.
 *
 * @param {string|URL|File|Blob|ArrayBuffer|Uint8Array} source  a URL (relative to the page), a
 *   picked/dropped file, raw bytes, or `embedded:NAME` (a snapshot inlined in the page)
 * @param {{onProgress?: (p: {phase: 'fetch'|'decode', loaded: number, total: number|null}) => void}} [opts]
 * @returns {Promise<{engine: object, info: object, name: string, url: string|null, byteLength: number,
 *   decodeMs: number}>}
 */
export function loadSnapshot(source, { onProgress } = {}) {
  const listener = typeof onProgress === 'function' ? onProgress : null;
  const safeCall = (fn, event) => {
    try {
      fn(event);
    } catch (e) {
      // A broken progress callback must not break the load of everybody sharing it.
      console.warn('hubecon: progress callback failed:', e);
    }
  };

  if (source == null || source === '') {
    return Promise.reject(new Error('no snapshot given'));
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    let promise = fileCache.get(source);
    if (!promise) {
      const name = source.name || 'file';
      const emit = (event) => listener && safeCall(listener, event);
      promise = (async () => {
        emit({ phase: 'fetch', loaded: 0, total: source.size });
        let bytes;
        try {
          bytes = new Uint8Array(await source.arrayBuffer());
        } catch (e) {
          throw new Error(`could not read ${name}: ${errorMessage(e)}`);
        }
        emit({ phase: 'fetch', loaded: bytes.length, total: bytes.length });
        return { ...(await decode(bytes, name, emit)), url: null };
      })();
      fileCache.set(source, promise);
      promise.catch(() => fileCache.delete(source));
    }
    return promise;
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes =
      source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    const emit = (event) => listener && safeCall(listener, event);
    return decode(bytes, 'bytes', emit).then((handle) => ({ ...handle, url: null }));
  }

  const text = String(source);
  const embedded = text.startsWith(EMBEDDED_PREFIX);
  const key = embedded ? text : resolveSnapshotUrl(text);
  let entry = snapshotCache.get(key);
  if (!entry) {
    entry = { listeners: new Set(), last: null, promise: null };
    const emit = (event) => {
      entry.last = event;
      for (const fn of entry.listeners) safeCall(fn, event);
    };
    entry.promise = (async () => {
      let bytes;
      let name;
      if (embedded) {
        name = text.slice(EMBEDDED_PREFIX.length);
        const block = embeddedBlock(name);
        if (!block) throw new Error(`no snapshot named ${name} is embedded in this page`);
        bytes = base64ToBytes(block.textContent);
        emit({ phase: 'fetch', loaded: bytes.length, total: bytes.length });
      } else {
        name = shortName(key);
        bytes = await fetchBytes(key, emit);
      }
      const handle = await decode(bytes, name, emit);
      if (!embedded) rememberForOffline(key);
      return { ...handle, url: embedded ? null : key };
    })();
    snapshotCache.set(key, entry);
    entry.promise.then(
      () => entry.listeners.clear(),
      () => {
        entry.listeners.clear();
        // A failed load is not kept: the next call tries again.
        if (snapshotCache.get(key) === entry) snapshotCache.delete(key);
      },
    );
  }
  if (listener) {
    if (entry.last) safeCall(listener, entry.last);
    entry.listeners.add(listener);
  }
  return entry.promise;
}

/**
 * Forgets a loaded snapshot and frees its wasm memory. Only for a caller that owns the snapshot
 * alone (the dashboard switching snapshots): every other holder of the same handle loses its engine.
 * @param {string|File|Blob} url the same URL (or picked file) that was given to loadSnapshot
 */
export async function releaseSnapshot(url) {
  if (typeof Blob !== 'undefined' && url instanceof Blob) {
    const promise = fileCache.get(url);
    fileCache.delete(url);
    try {
      (await promise)?.engine.free?.();
    } catch {
      // It never loaded: nothing to free.
    }
    return;
  }
  const text = String(url);
  const key = text.startsWith(EMBEDDED_PREFIX) ? text : resolveSnapshotUrl(text);
  const entry = snapshotCache.get(key);
  if (!entry) return;
  snapshotCache.delete(key);
  try {
    const handle = await entry.promise;
    handle.engine.free?.();
  } catch {
    // It never loaded: nothing to free.
  }
}

/**
 * The snapshots this site offers: `snapshots.json` beside the page (read defensively) plus the ones
 * embedded in the page. `file` is as listed; `url` is absolute, resolved against the list's URL.
 * Never throws: a missing or broken list gives `{snapshots: [], error}`.
 * @returns {Promise<{snapshots: Array<{file: string, url: string, title: string, synthetic: boolean,
 *   default: boolean}>, error: string|null}>}
 */
export async function listSnapshots(listUrl = SNAPSHOT_LIST_URL) {
  const snapshots = [];
  if (typeof document !== 'undefined') {
    for (const block of document.querySelectorAll('script[type="application/x-hubecon-snapshot-base64"]')) {
      const name = block.dataset.name || 'embedded';
      snapshots.push({
        file: EMBEDDED_PREFIX + name,
        url: EMBEDDED_PREFIX + name,
        title: block.dataset.title || name,
        synthetic: block.dataset.synthetic === 'true',
        default: snapshots.length === 0,
      });
    }
  }
  // file:// forbids fetch: the single-file page only has embedded snapshots and the file picker.
  if (typeof location !== 'undefined' && location.protocol === 'file:') {
    return { snapshots, error: null };
  }
  let error = null;
  // Files in the list are relative to the list itself (a widget's list lives on another site).
  const listHref = resolveSnapshotUrl(listUrl);
  try {
    const response = await fetch(listHref);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const json = await response.json();
    const list = Array.isArray(json) ? json : Array.isArray(json?.snapshots) ? json.snapshots : [];
    for (const item of list) {
      if (!item || typeof item.file !== 'string' || !item.file) continue;
      snapshots.push({
        file: item.file,
        url: new URL(item.file, listHref).href,
        title: typeof item.title === 'string' && item.title ? item.title : shortName(item.file),
        synthetic: item.synthetic === true,
        default: item.default === true,
        ...(typeof item.bytes === 'number' ? { bytes: item.bytes } : {}),
        ...(typeof item.models === 'number' ? { models: item.models } : {}),
      });
    }
  } catch (e) {
    error = `could not read the snapshot list ${listUrl}: ${errorMessage(e)}`;
  }
  if (snapshots.length && !snapshots.some((s) => s.default)) snapshots[0].default = true;
  return { snapshots, error };
}

function rememberForOffline(url) {
  if (!offlineRegistration) return;
  const sw = navigator.serviceWorker;
  sw.ready
    .then((registration) => registration.active?.postMessage({ type: 'hubecon-cache', urls: [url] }))
    .catch(() => {});
}

/**
 * Registers the service worker (www/sw.js) so the site works offline after this visit: it caches
 * the page, scripts, styles, vendor files, the wasm and every snapshot opened. Resolves to
 * {ok, message}; never throws (file://, old browsers and private modes just get ok: false).
 */
export async function registerOffline() {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) {
    return { ok: false, message: 'offline use needs service workers, which this browser lacks here' };
  }
  if (!/^https?:$/.test(location.protocol)) {
    return { ok: false, message: 'offline use needs an http(s) page' };
  }
  try {
    const swUrl = new URL('./sw.js', import.meta.url);
    const scope = new URL('./', import.meta.url);
    offlineRegistration = await navigator.serviceWorker.register(swUrl, { scope: scope.href });
    // Snapshots fetched before the worker took over are added to its cache now.
    const urls = [...snapshotCache.keys()].filter((k) => !k.startsWith(EMBEDDED_PREFIX));
    const registration = await navigator.serviceWorker.ready;
    if (urls.length) registration.active?.postMessage({ type: 'hubecon-cache', urls });
    return { ok: true, message: 'available offline after this visit' };
  } catch (e) {
    return { ok: false, message: `offline use unavailable: ${errorMessage(e)}` };
  }
}
