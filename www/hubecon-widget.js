// <hubecon-view>: one hubecon view as a custom element for any page (blog posts, docs).
//
//   <script type="module" src="https://example.org/hubecon/hubecon-widget.js"></script>
//   <hubecon-view view="concentration" level="developer"
//                 snapshot="https://example.org/hubecon/data/sample-real.arrow"></hubecon-view>
//
// Attributes: `view` (a view name, default 'info'), `snapshot` (URL relative to the page; default
// the site's default snapshot from snapshots.json beside this script), `title` (heading text),
// `theme` ('light' | 'dark'; default: follow the system), `loading` ('lazy', the default: compute
// when the widget comes within 300 px of the viewport; 'eager': at once). Every other attribute is a view option
// with the CLI's name (`level`, `window-weeks`, `attribution`, `no-window`, `relations`, ...); a
// bare boolean attribute (`<hubecon-view no-window>`) means true. Changing an attribute re-renders.
//
// Several widgets share one wasm instance and one fetch of each snapshot (engine.js), the engine's
// small build (no Arrow download; the CSV one stays) unless the page started the fast one. The element
// renders into its own shadow root with its own styles; a host page themes it with the custom
// properties of theme.css set on the element, e.g. `hubecon-view { --hv-accent: #c2185b; }`.
// State for scripts and tests: the attribute `data-state` is 'loading', 'ready' or 'error', and the
// element dispatches a `hubecon-render` event ({detail: {ok, error?, ms}}) after each render.
// Nothing is added to the global scope besides the element name.

import { errorMessage, listSnapshots, loadSnapshot, useSmallEngine } from './engine.js';
import { renderView } from './views.js';
import { stylesheet as plotStylesheet } from './vendor/plot.js';

useSmallEngine();

const TAG = 'hubecon-view';
// Attributes that are not view options.
const NOT_OPTIONS = new Set([
  'loading',
  'view',
  'snapshot',
  'title',
  'theme',
  'class',
  'id',
  'style',
  'lang',
  'dir',
  'hidden',
  'tabindex',
  'slot',
  'part',
  'role',
  'is',
  'inert',
  'nonce',
  'translate',
  'accesskey',
  'autofocus',
  'contenteditable',
  'draggable',
  'enterkeyhint',
  'popover',
  'spellcheck',
]);
const STYLESHEETS = ['./theme.css', './style.css'].map((f) => new URL(f, import.meta.url).href);
const WIDGET_CSS = `
:host { display: block; contain: content; font-family: var(--hv-font); color: var(--hv-fg);
  box-sizing: border-box; max-width: 100%; overflow: auto; text-align: start; }
:host([hidden]) { display: none; }
/* Chromium's own stylesheet hides any element with an attribute named unbounded (an option here). */
:host([unbounded]) { visibility: inherit; }
.hv-status { margin: 0; color: var(--hv-muted); font-size: 0.875rem; }
.hv-status progress { width: 12rem; max-width: 60%; vertical-align: middle; margin-inline-start: 0.5rem; }
.hv-error { margin: 0; padding: 0.5rem 0.75rem; border: 1px solid var(--hv-error-border);
  background: var(--hv-error-bg); color: var(--hv-error-fg); border-radius: var(--hv-radius); }
`;
const DARK = `
:host { color-scheme: dark; --hv-bg: #12161c; --hv-fg: #e3e8ee; --hv-muted: #9aa5b1; --hv-surface: #1a2029;
  --hv-surface-2: #232b36; --hv-border: #35404d; --hv-accent: #6ea8ff; --hv-accent-fg: #0b1220;
  --hv-focus: #ffa94d; --hv-error-bg: #3a1714; --hv-error-fg: #ffb4a9; --hv-error-border: #7a2e25;
  --hv-warn-bg: #3a300f; --hv-warn-fg: #ffe08a; --hv-synthetic-bg: #2d2146; --hv-synthetic-fg: #d4c2ff;
  --hv-chart-bg: #161b22; --hv-chart-fg: #e3e8ee; --hv-chart-grid: #2e3744; --hv-map-empty: #2a323d;
  --hv-map-stroke: #161b22; }`;
const LIGHT = `
:host { color-scheme: light; --hv-bg: #ffffff; --hv-fg: #1b1f24; --hv-muted: #5b6470; --hv-surface: #f5f7fa;
  --hv-surface-2: #eaeef3; --hv-border: #d3d9e0; --hv-accent: #1f5fbf; --hv-accent-fg: #ffffff;
  --hv-focus: #d9480f; --hv-error-bg: #fdecea; --hv-error-fg: #8a1c12; --hv-error-border: #e0a49c;
  --hv-warn-bg: #fff4d6; --hv-warn-fg: #6b4a00; --hv-synthetic-bg: #ede4ff; --hv-synthetic-fg: #4b2a8c;
  --hv-chart-bg: #ffffff; --hv-chart-fg: #1b1f24; --hv-chart-grid: #d9dee5; --hv-map-empty: #e6e9ee;
  --hv-map-stroke: #ffffff; }`;

// Constructed stylesheets are not inline styles: they work under style-src 'self'.
function sheet(text) {
  const s = new CSSStyleSheet();
  s.replaceSync(text);
  return s;
}
let sheets = null;
function widgetSheets() {
  if (!sheets) sheets = { base: sheet(WIDGET_CSS), dark: sheet(DARK), light: sheet(LIGHT) };
  return sheets;
}

let defaultSnapshot = null;
/** The site's default snapshot (snapshots.json beside this script), looked up once per page. */
function siteDefaultSnapshot() {
  if (!defaultSnapshot) {
    defaultSnapshot = listSnapshots(new URL('./snapshots.json', import.meta.url).href).then(({ snapshots, error }) => {
      const chosen = snapshots.find((s) => s.default) || snapshots[0];
      if (!chosen) throw new Error(error || 'no snapshot given (set the snapshot attribute)');
      return chosen.url;
    });
  }
  return defaultSnapshot;
}

function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// Widgets render when they come near the viewport (a blog post with ten widgets computes only the
// ones the reader reaches); `loading="eager"` renders at once. One observer serves every widget.
const LAZY_MARGIN = '300px 0px';
let nearViewport = null;
function watchNearViewport(element) {
  if (typeof IntersectionObserver === 'undefined') return false;
  nearViewport ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) if (entry.isIntersecting) entry.target.seen();
    },
    { rootMargin: LAZY_MARGIN },
  );
  nearViewport.observe(element);
  return true;
}

class HubeconView extends HTMLElement {
  #seen = false;
  #pending = false;
  #root;
  #status;
  #content;
  #observer = null;
  #renderToken = 0;
  #scheduled = false;
  #resizeObserver = null;
  #drawnWidth = 0;
  #resizeTimer = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    for (const href of [...STYLESHEETS, plotStylesheet]) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      this.#root.append(link);
    }
    this.#status = document.createElement('p');
    this.#status.className = 'hv-status';
    this.#status.setAttribute('role', 'status');
    this.#content = document.createElement('div');
    this.#content.className = 'hv-content';
    this.#root.append(this.#status, this.#content);
  }

  connectedCallback() {
    this.#applyTheme();
    if (!this.#observer) {
      this.#observer = new MutationObserver((records) => {
        if (records.some((r) => r.attributeName !== 'data-state')) this.#schedule();
      });
    }
    this.#observer.observe(this, { attributes: true });
    // Charts are drawn for the width they get: redraw when it changes a lot (phone rotation, layout).
    if (!this.#resizeObserver && typeof ResizeObserver !== 'undefined') {
      this.#resizeObserver = new ResizeObserver(() => {
        const width = this.clientWidth;
        if (!this.#drawnWidth || Math.abs(width - this.#drawnWidth) < 0.15 * this.#drawnWidth) return;
        clearTimeout(this.#resizeTimer);
        this.#resizeTimer = setTimeout(() => this.#schedule(), 250);
      });
    }
    this.#resizeObserver?.observe(this);
    this.#schedule();
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#resizeObserver?.disconnect();
    clearTimeout(this.#resizeTimer);
    this.#renderToken++; // a render in flight is dropped
  }

  /** The view options given as attributes ({name: value}, CLI names). */
  get options() {
    const options = {};
    for (const { name, value } of this.attributes) {
      if (NOT_OPTIONS.has(name) || name.startsWith('data-') || name.startsWith('aria-')) continue;
      options[name] = value === '' ? true : value;
    }
    return options;
  }

  #applyTheme() {
    const s = widgetSheets();
    const theme = this.getAttribute('theme');
    this.#root.adoptedStyleSheets = [s.base, ...(theme === 'dark' ? [s.dark] : theme === 'light' ? [s.light] : [])];
  }

  /** Called by the shared observer when the widget comes near the viewport (not an option). */
  seen() {
    nearViewport?.unobserve(this);
    if (this.#seen) return;
    this.#seen = true;
    if (this.#pending) {
      this.#pending = false;
      this.#schedule();
    }
  }

  // Attribute changes arrive one by one; render once after the current task.
  #schedule() {
    if (!this.#seen) {
      if (this.getAttribute('loading') === 'eager' || !watchNearViewport(this)) {
        this.#seen = true;
      } else {
        this.#pending = true;
        return;
      }
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) this.#render();
    });
  }

  #setState(state) {
    if (this.getAttribute('data-state') !== state) this.setAttribute('data-state', state);
  }

  #showStatus(text, progress) {
    this.#status.replaceChildren(document.createTextNode(text));
    if (progress) {
      const bar = document.createElement('progress');
      bar.max = 1;
      if (progress.total) bar.value = Math.min(1, progress.loaded / progress.total);
      else bar.removeAttribute('value'); // indeterminate
      this.#status.append(bar);
    }
    this.#status.hidden = false;
  }

  #showError(message) {
    const box = document.createElement('p');
    box.className = 'hv-error';
    box.setAttribute('role', 'alert');
    box.textContent = message;
    this.#status.hidden = true;
    this.#content.replaceChildren(box);
    this.#setState('error');
  }

  async #render() {
    const token = ++this.#renderToken;
    this.#applyTheme();
    this.#setState('loading');
    const view = this.getAttribute('view') || 'info';
    const t0 = performance.now();
    let snapshot;
    try {
      const source = this.getAttribute('snapshot') || (await siteDefaultSnapshot());
      this.#showStatus('Loading the snapshot…');
      snapshot = await loadSnapshot(source, {
        onProgress: (p) => {
          if (token !== this.#renderToken) return;
          const text =
            p.phase === 'fetch'
              ? `Downloading the snapshot… ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`
              : 'Reading the snapshot…';
          this.#showStatus(text, p);
        },
      });
    } catch (e) {
      if (token === this.#renderToken) this.#finish(false, errorMessage(e), t0);
      return;
    }
    if (token !== this.#renderToken) return;
    this.#status.hidden = true;
    this.#drawnWidth = this.clientWidth;
    let result;
    try {
      result = await renderView(this.#content, {
        engine: snapshot.engine,
        view,
        options: this.options,
        info: snapshot.info,
        snapshotUrl: snapshot.url,
        title: this.getAttribute('title') || undefined,
      });
    } catch (e) {
      result = { ok: false, error: errorMessage(e) };
    }
    if (token !== this.#renderToken) return;
    this.#finish(result?.ok !== false, result?.error, t0, result?.ok === false && !this.#content.childElementCount);
  }

  #finish(ok, error, t0, showError = true) {
    if (!ok && showError) this.#showError(error || 'the view could not be drawn');
    this.#setState(ok ? 'ready' : 'error');
    this.dispatchEvent(
      new CustomEvent('hubecon-render', { detail: { ok, ...(ok ? {} : { error }), ms: performance.now() - t0 } }),
    );
  }
}

if (!customElements.get(TAG)) customElements.define(TAG, HubeconView);
