// The renderer of every hubecon view, shared by the dashboard (app.js) and the widgets
// (hubecon-widget.js).
//
//   import { renderView } from './views.js';
//   const result = await renderView(container, {
//     engine,        // a loaded wasm Engine (report / reportCsv / reportArrow)
//     view,          // a view name (see VIEW_TITLES; 'map' is the nation map of the leaderboard)
//     options,       // {name: value} with the CLI option names ({level: 'developer', ...})
//     info,          // engine.info() of the snapshot (synthetic flag, date, source, hash)
//     title,         // optional heading (default: the view's own title)
//     snapshotUrl,   // optional: the snapshot's URL, for "copy embed code"
//     widgetBase,    // optional: URL of the folder holding hubecon-widget.js (default: this module's)
//     headingLevel,  // optional: 2..6 for the title element (default 3)
//     chartWidth,    // optional: the chart's width in px, measured before the page changed
//     chartColors,   // optional: themeColors(container), read before the page changed
//   });
//   // → {ok, error?, report?, ms}; the container is filled with one view box (class hv-panel).
//
// Calling it again on the same container redraws it (an option changed). Everything that comes
// from a snapshot is inserted as text only: textContent, attribute values, or Plot's text marks.

const MODULE_BASE = new URL('.', import.meta.url);

// --- the charting library (vendored Observable Plot + d3, and topojson-client for the map) ---

let libsPromise = null;

/** Loads Plot (and the map's geometry helpers) once; rejects with a clear message. */
export function loadLibs() {
  if (!libsPromise) {
    libsPromise = (async () => {
      const plotModule = await import('./vendor/plot.js');
      const Plot = plotModule.Plot || plotModule;
      if (typeof Plot.plot !== 'function') throw new Error('the vendored Plot module has no plot()');
      return { Plot, d3: plotModule.d3 || null, stylesheet: plotModule.stylesheet || null };
    })();
    libsPromise.catch(() => {
      libsPromise = null;
    });
  }
  return libsPromise;
}

let worldPromise = null;

/** The world's country outlines as GeoJSON features (vendored world-atlas + topojson-client). */
function loadWorld() {
  if (!worldPromise) {
    worldPromise = (async () => {
      const { feature } = await import('./vendor/topojson.js');
      const response = await fetch(new URL('vendor/countries-110m.json', MODULE_BASE));
      if (!response.ok) throw new Error(`world geometry: HTTP ${response.status}`);
      const world = await response.json();
      const countries = feature(world, world.objects.countries);
      return { countries, land: feature(world, world.objects.land || world.objects.countries) };
    })();
    worldPromise.catch(() => {
      worldPromise = null;
    });
  }
  return worldPromise;
}

// --- the views ---

/** Titles of every view a box can show ('map' is drawn from the country leaderboard). */
export const VIEW_TITLES = {
  info: 'Snapshot',
  leaderboard: 'Leaderboard',
  map: 'Downloads by nation',
  shares: 'Download shares over time',
  concentration: 'Concentration over time',
  'org-by-country': 'Organisation type by nation',
  incidence: 'Attribute incidence before and after',
  sizes: 'Model sizes per year',
  flows: 'Derivation flows by lineage depth',
  modality: 'Input and output modalities',
  trends: 'Attribute trends',
  mdi: 'Model Disruption Index, every model',
  'mdi-summary': 'Disruption: distribution and top disruptive models',
  race: 'Racing to Release: regressions',
  'race-data': 'Racing to Release: the sample',
};

const LEVEL_NAMES = {
  model: 'models',
  developer: 'developers',
  author: 'developers',
  country: 'nations',
  nation: 'nations',
  org_type: 'organisation types',
  'org-type': 'organisation types',
};

/**
 * The dashboard's boxes, in order. `level` pins the level of a box as in the papers; `family`
 * groups boxes that show one view at several levels (a chosen level keeps one box per family).
 */
export const PANELS = [
  { id: 'info', view: 'info' },
  { id: 'leaderboard-model', view: 'leaderboard', family: 'leaderboard', level: 'model' },
  { id: 'leaderboard-developer', view: 'leaderboard', family: 'leaderboard', level: 'developer' },
  { id: 'leaderboard-country', view: 'leaderboard', family: 'leaderboard', level: 'country' },
  { id: 'map', view: 'map', wide: true },
  { id: 'shares-developer', view: 'shares', family: 'shares', level: 'developer' },
  { id: 'shares-country', view: 'shares', family: 'shares', level: 'country' },
  { id: 'concentration-model', view: 'concentration', family: 'concentration', level: 'model' },
  { id: 'concentration-developer', view: 'concentration', family: 'concentration', level: 'developer' },
  { id: 'concentration-country', view: 'concentration', family: 'concentration', level: 'country' },
  { id: 'org-by-country', view: 'org-by-country' },
  { id: 'modality', view: 'modality' },
  { id: 'incidence', view: 'incidence', wide: true },
  { id: 'sizes', view: 'sizes', wide: true },
  { id: 'flows', view: 'flows' },
  { id: 'trends', view: 'trends' },
  { id: 'mdi-summary', view: 'mdi-summary', wide: true },
  { id: 'mdi', view: 'mdi' },
  { id: 'race', view: 'race', wide: true },
  { id: 'race-data', view: 'race-data' },
];

/** The title of a view at a level, e.g. "Leaderboard: developers". */
export function viewTitle(view, options = {}) {
  const base = VIEW_TITLES[view] || view;
  const level = options.level;
  if (['leaderboard', 'shares', 'concentration'].includes(view) && level) {
    const name = LEVEL_NAMES[level] || level;
    if (view === 'leaderboard') return `Leaderboard: ${name}`;
    if (view === 'shares') return `Shares of ${name} over time`;
    return `Concentration over time: ${name}`;
  }
  return base;
}

// Options only the lineage views read (CLI names), and which of all options each lineage view
// reads. Every other view reads every option but these.
const LINEAGE_ONLY_OPTIONS = ['window-days', 'unbounded', 'transitive', 'score-roots', 'weighted', 'min-siblings', 'crowding-days'];
const MDI_OPTIONS = ['relations', 'window-days', 'unbounded', 'transitive', 'score-roots'];
const VIEW_OPTIONS = {
  info: [],
  mdi: [...MDI_OPTIONS, 'weighted'],
  'mdi-summary': [...MDI_OPTIONS, 'top'],
  race: ['relations', 'min-siblings', 'crowding-days'],
  'race-data': ['relations', 'min-siblings', 'crowding-days'],
};

/**
 * The options a view reads, out of a full option set: a box is recomputed only when one of these
 * changes (a new rolling window leaves the lineage boxes as they are).
 */
export function viewOptions(view, options = {}) {
  const names = VIEW_OPTIONS[view];
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    if (names ? names.includes(k) : !LINEAGE_ONLY_OPTIONS.includes(k)) out[k] = v;
  }
  return out;
}

/** The engine view and options a box computes (`map` is the full country leaderboard). */
export function engineCall(view, options = {}) {
  const opts = viewOptions(view, options);
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || v === null || v === '') delete opts[k];
  }
  if (view === 'map') return { view: 'leaderboard', options: { ...opts, level: 'country', top: 1000 } };
  if (view === 'trends' && !opts.attribute) opts.attribute = 'architecture';
  return { view, options: opts };
}

// --- symbols (leaderboards): modality and organisation type ---

// Shapes and letters that every system font has, so the legend reads the same everywhere.
const ORG_TYPE_SYMBOLS = [
  [/big.?tech|industry|company|corporat|enterprise/i, '■', 'industry / big tech'],
  [/start.?up/i, '▲', 'start-up'],
  [/acad|universit|research|lab/i, '◆', 'academic / research'],
  [/non.?profit|government|public|ngo|foundation/i, '✚', 'non-profit / government'],
  [/individual|user|community|person|hobby/i, '●', 'individual / community'],
];
const UNKNOWN_ORG_SYMBOL = '○';

const MODALITY_SYMBOLS = [
  [/text|language|nlp/i, 'T', 'text'],
  [/image|vision|visual/i, 'I', 'image'],
  [/audio|speech|sound|music/i, 'A', 'audio'],
  [/video/i, 'V', 'video'],
  [/tabular|table/i, 'D', 'tabular data'],
  [/multi/i, 'M', 'multimodal'],
];

function orgTypeSymbol(value) {
  if (value === null || value === undefined || value === '') return UNKNOWN_ORG_SYMBOL;
  const hit = ORG_TYPE_SYMBOLS.find(([re]) => re.test(String(value)));
  return hit ? hit[1] : '◇';
}

function modalitySymbols(value) {
  if (value === null || value === undefined || value === '') return '';
  const parts = String(value)
    .split(/[,;|+/&]|\s+and\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const letters = parts.map((p) => {
    const hit = MODALITY_SYMBOLS.find(([re]) => re.test(p));
    return hit ? hit[1] : '?';
  });
  return [...new Set(letters)].join('');
}

/** "T→T" from whatever modality columns a leaderboard row carries, '' when none. */
function rowModality(row) {
  if ('modality' in row && row.modality) {
    const text = String(row.modality);
    const arrow = text.split(/→|->|=>/);
    if (arrow.length === 2) return `${modalitySymbols(arrow[0])}→${modalitySymbols(arrow[1])}`;
    return modalitySymbols(text);
  }
  const input = row.input_modalities ?? row.input_modality ?? row.input;
  const output = row.output_modalities ?? row.output_modality ?? row.output;
  if (input || output) return `${modalitySymbols(input) || '?'}→${modalitySymbols(output) || '?'}`;
  return '';
}

function symbolLegend(hasOrg, hasModality) {
  const items = [];
  if (hasOrg) {
    for (const [, sym, name] of ORG_TYPE_SYMBOLS) items.push([sym, name]);
    items.push([UNKNOWN_ORG_SYMBOL, 'organisation type unknown']);
  }
  if (hasModality) {
    for (const [, sym, name] of MODALITY_SYMBOLS) items.push([sym, name]);
    items.push(['X→Y', 'input → output modality']);
  }
  const list = el('ul', { class: 'hv-legend', 'aria-label': 'Symbols' });
  for (const [sym, name] of items) {
    const li = el('li');
    li.append(el('b', { class: 'hv-symbol' }, sym), ` ${name}`);
    list.append(li);
  }
  return list;
}

// --- small DOM helpers (text only) ---

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

function errorMessage(e) {
  if (e === null || e === undefined) return 'unknown error';
  if (typeof e === 'string') return e;
  return e.message ? String(e.message) : String(e);
}

// --- number formatting ---

const intFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

function isShareColumn(name) {
  return /(^|_)(share|top\d+|incidence)$|^(before|after)$/.test(name) || /^share_/.test(name);
}

function formatCell(column, value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return '—';
  if (column === 'p' || /(^|_)p$|p_value/.test(column)) {
    return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toPrecision(3);
  }
  if (isShareColumn(column) && Math.abs(value) <= 1) return `${(value * 100).toFixed(2)} %`;
  if (Number.isInteger(value)) return intFormat.format(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return intFormat.format(value);
  if (abs >= 1) return value.toFixed(3);
  return value.toPrecision(4);
}

const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '');

// --- reading reports defensively: the views name their columns, shapes may grow ---

function columnsOf(rows, declared) {
  if (Array.isArray(declared) && declared.length) return declared;
  const first = rows.find((r) => r && typeof r === 'object');
  return first ? Object.keys(first) : [];
}

function numericColumns(rows, columns) {
  return columns.filter((c) => rows.some((r) => typeof r[c] === 'number'));
}

function stringColumns(rows, columns) {
  return columns.filter((c) => rows.some((r) => typeof r[c] === 'string'));
}

function pick(columns, ...candidates) {
  for (const c of candidates) {
    if (c instanceof RegExp) {
      const hit = columns.find((x) => c.test(x));
      if (hit) return hit;
    } else if (columns.includes(c)) {
      return c;
    }
  }
  return null;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Period labels → Dates when every label is a date, a month, a quarter, an ISO week or a year. */
function periodParser(values) {
  const parse = (p) => {
    if (p === null || p === undefined) return null;
    const s = String(p).trim();
    let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
    if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    m = /^(\d{4})-(\d{2})$/.exec(s);
    if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, 1));
    m = /^(\d{4})-?Q([1-4])$/i.exec(s);
    if (m) return new Date(Date.UTC(+m[1], (+m[2] - 1) * 3, 1));
    m = /^(\d{4})-?W(\d{1,2})$/i.exec(s);
    if (m) return new Date(Date.UTC(+m[1], 0, 1 + (+m[2] - 1) * 7));
    m = /^(\d{4})$/.exec(s);
    if (m) return new Date(Date.UTC(+m[1], 0, 1));
    return null;
  };
  const ok = values.length > 0 && values.every((v) => parse(v) !== null);
  return ok ? parse : null;
}

function uniq(values) {
  return [...new Set(values)];
}

/** Orders category keys by their total, largest first, with 'rest'/'other' last. */
function orderKeys(rows, key, weight) {
  const totals = new Map();
  for (const r of rows) totals.set(r[key], (totals.get(r[key]) || 0) + (num(r[weight]) || 0));
  const isRest = (k) => REST_KEY.test(String(k));
  return [...totals.entries()]
    .sort((a, b) => (isRest(a[0]) - isRest(b[0])) || b[1] - a[1])
    .map(([k]) => k);
}

function truncate(text, max) {
  const s = String(text ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// --- chart helpers ---

/** The chart colours of `node`'s theme (its CSS custom properties). */
export function themeColors(node) {
  const style = getComputedStyle(node);
  const get = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    bg: get('--hv-chart-bg', '#ffffff'),
    fg: get('--hv-chart-fg', '#1b1f24'),
    accent: get('--hv-accent', '#1f5fbf'),
    muted: get('--hv-muted', '#5b6470'),
    grid: get('--hv-chart-grid', '#d9dee5'),
    empty: get('--hv-map-empty', '#e6e9ee'),
    stroke: get('--hv-map-stroke', '#ffffff'),
    dark: style.colorScheme === 'dark' || /dark/.test(style.getPropertyValue('color-scheme')),
  };
}

function basePlot(ctx, extra) {
  return {
    width: ctx.width,
    style: { background: ctx.colors.bg, color: ctx.colors.fg, fontSize: '12px', overflow: 'visible' },
    ...extra,
  };
}

const REST_KEY = /^(rest|other|others|\(rest\)|\(missing\)|unknown|null|none)$/i;

/** Categorical colours: ten distinct hues for the named keys, grey for 'rest' and '(missing)'. */
function sharedColor(ctx, domain) {
  const d3 = ctx.d3;
  const palette = (d3 && (ctx.colors.dark ? d3.schemeTableau10 : d3.schemeObservable10 || d3.schemeTableau10)) || null;
  if (!palette) return { type: 'categorical', domain, legend: true };
  let i = 0;
  const range = domain.map((k) => (REST_KEY.test(String(k)) ? ctx.colors.muted : palette[i++ % palette.length]));
  return { type: 'categorical', domain, range, legend: true };
}

function timeOrBand(ctx, rows, periodCol) {
  const labels = uniq(rows.map((r) => r[periodCol]));
  const parse = periodParser(labels);
  if (parse) {
    // Each label parsed once (a weekly table repeats every label once per series).
    const dates = new Map(labels.map((p) => [p, parse(p)]));
    return {
      temporal: true,
      x: (r) => dates.get(r[periodCol]),
      scale: { type: 'utc', label: null },
    };
  }
  return {
    temporal: false,
    x: periodCol,
    scale: { type: 'band', label: null, domain: uniq(rows.map((r) => r[periodCol])) },
  };
}

// --- chart drawers: each returns [{caption?, node}] or throws; the table is drawn elsewhere ---

const LEADERBOARD_MAX_BARS = 40;
const LEADERBOARD_SYMBOL_BUDGET_MS = 1500;

/** The leaderboard rows with `org_type` and `modality` columns (words; the chart shows symbols). */
function decorateLeaderboard(report, attrs) {
  const rows = report.rows.map((r) => {
    const extraCols = {};
    if (attrs.org.size) extraCols.org_type = attrs.org.get(r.key) ?? null;
    if (attrs.input.size || attrs.output.size) {
      const i = attrs.input.get(r.key);
      const o = attrs.output.get(r.key);
      extraCols.modality = i || o ? `${(i || ['?']).join(', ')} → ${(o || ['?']).join(', ')}` : null;
    }
    return { ...r, ...extraCols };
  });
  const declared = report.columns || [];
  const columns = [...declared, ...Object.keys(rows[0] || {}).filter((c) => !declared.includes(c))];
  return { ...report, rows, columns };
}

/** A value usable inside a `where` condition (the engine splits conditions on ';' and '='). */
const whereSafe = (v) => typeof v === 'string' && v !== '' && !/[;=]/.test(v) && !/^\(.*\)$/.test(v);

function joinWhere(existing, condition) {
  return existing ? `${existing};${condition}` : condition;
}

/**
 * Organisation type and modality of the units of a model or developer leaderboard. The
 * leaderboard itself carries neither, so they are read from subsets: a unit whose models all
 * have org type v keeps its downloads inside the subset `org_type=v`, so it ranks at least as high
 * there and appears in the subset's top N. Modality is per model (model level only).
 * Returns {org: Map key→value, input: Map key→[values], output: Map key→[values]} or null.
 */
async function leaderboardAttributes(engine, options, budgetMs = Infinity, isCurrent = () => true) {
  const level = options.level || 'developer';
  if (level !== 'model' && level !== 'developer' && level !== 'author') return null;
  const out = { org: new Map(), input: new Map(), output: new Map(), skipped: null };
  const t0 = performance.now();
  const subsetKeys = async (condition) => {
    // Yield between queries so that input and painting go on; stop when the box was redrawn.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!isCurrent()) return [];
    // Past the budget the rest is left out (a note says so): the page must stay responsive.
    if (performance.now() - t0 > budgetMs) {
      out.skipped = `Some organisation-type or modality symbols are left out: finding them took longer than ${budgetMs} ms at this snapshot's size.`;
      return [];
    }
    return engine.report('leaderboard', { ...options, where: joinWhere(options.where, condition) }).rows.map((r) => r.key);
  };
  try {
    const orgTypes = engine.report('leaderboard', { ...options, level: 'org_type', top: 50 }).rows.map((r) => r.key).filter(whereSafe);
    for (const v of orgTypes) for (const k of await subsetKeys(`org_type=${v}`)) if (!out.org.has(k)) out.org.set(k, v);
  } catch {
    // No org types in this snapshot (or a subset the engine refuses): no symbols then.
  }
  if (level === 'model') {
    try {
      const modality = engine.report('modality', options).rows;
      for (const side of ['input', 'output']) {
        const values = modality.filter((r) => r.side === side).map((r) => r.modality).filter(whereSafe);
        for (const v of values) {
          for (const k of await subsetKeys(`${side}_modalities=${v}`)) {
            const list = out[side].get(k) || [];
            list.push(v);
            out[side].set(k, list);
          }
        }
      }
    } catch {
      // As above: modalities unknown.
    }
  }
  return out;
}

function drawLeaderboard(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows.slice(0, LEADERBOARD_MAX_BARS);
  const cols = columnsOf(report.rows, report.columns);
  for (const c of ['org_type', 'modality']) if (rows.some((r) => c in r) && !cols.includes(c)) cols.push(c);
  const key = pick(cols, 'key', 'model', 'developer', 'country', /name|id/) || stringColumns(rows, cols)[0];
  const value = pick(cols, 'downloads', /downloads/, 'share') || numericColumns(rows, cols)[0];
  if (!key || !value || rows.length === 0) return [];
  const orgCol = pick(cols, 'org_type', 'org-type', 'orgtype');
  const hasModality = rows.some((r) => rowModality(r) !== '');
  const label = (r) => {
    const parts = [];
    if (orgCol) parts.push(orgTypeSymbol(r[orgCol]));
    if (hasModality) parts.push(rowModality(r) || '·');
    parts.push(truncate(r[key], 34));
    return `${r.rank ?? ''}. ${parts.join(' ')}`;
  };
  const labels = rows.map(label);
  const marginLeft = Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.55);
  const share = pick(cols, 'share');
  const plot = Plot.plot(
    basePlot(ctx, {
      height: rows.length * 20 + 46,
      marginLeft,
      marginRight: 56,
      x: { label: value === 'share' ? 'Share' : 'Downloads', grid: true, tickFormat: value === 'share' ? '.0%' : '~s' },
      y: { label: null, domain: labels },
      marks: [
        Plot.barX(rows, { x: value, y: label, fill: ctx.colors.accent }),
        share && value !== 'share'
          ? Plot.text(rows, { x: value, y: label, text: (r) => pct(r[share]), dx: 4, textAnchor: 'start' })
          : null,
        Plot.ruleX([0]),
        Plot.tip(rows, Plot.pointerY({ x: value, y: label, title: (r) => tipText(r, cols) })),
      ],
    }),
  );
  const parts = [{ node: plot }];
  if (orgCol || hasModality) parts.push({ node: symbolLegend(!!orgCol, hasModality) });
  return parts;
}

function tipText(row, cols) {
  return cols
    .filter((c) => row[c] !== null && row[c] !== undefined)
    .slice(0, 8)
    .map((c) => `${c}: ${formatCell(c, row[c])}`)
    .join('\n');
}

// Names in the data that differ from the world geometry's (Natural Earth, 110m) names.
const COUNTRY_TO_GEOMETRY = {
  'united states': 'United States of America',
  usa: 'United States of America',
  us: 'United States of America',
  'u.s.': 'United States of America',
  'united states of america': 'United States of America',
  america: 'United States of America',
  uk: 'United Kingdom',
  'u.k.': 'United Kingdom',
  'great britain': 'United Kingdom',
  britain: 'United Kingdom',
  england: 'United Kingdom',
  'south korea': 'South Korea',
  korea: 'South Korea',
  'republic of korea': 'South Korea',
  'korea, republic of': 'South Korea',
  'north korea': 'North Korea',
  russia: 'Russia',
  'russian federation': 'Russia',
  'czech republic': 'Czechia',
  czechia: 'Czechia',
  uae: 'United Arab Emirates',
  'united arab emirates': 'United Arab Emirates',
  'the netherlands': 'Netherlands',
  holland: 'Netherlands',
  'prc': 'China',
  "people's republic of china": 'China',
  'mainland china': 'China',
  'taiwan, province of china': 'Taiwan',
  'republic of china': 'Taiwan',
  'viet nam': 'Vietnam',
  'iran, islamic republic of': 'Iran',
  turkiye: 'Turkey',
  'türkiye': 'Turkey',
  'bosnia and herzegovina': 'Bosnia and Herz.',
  'dominican republic': 'Dominican Rep.',
  'democratic republic of the congo': 'Dem. Rep. Congo',
  'dr congo': 'Dem. Rep. Congo',
  'central african republic': 'Central African Rep.',
  'south sudan': 'S. Sudan',
  'ivory coast': "Côte d'Ivoire",
  "cote d'ivoire": "Côte d'Ivoire",
  eswatini: 'eSwatini',
  swaziland: 'eSwatini',
  'north macedonia': 'Macedonia',
  'equatorial guinea': 'Eq. Guinea',
  'solomon islands': 'Solomon Is.',
};

// Places too small for the 110m outlines, drawn as dots instead (longitude, latitude).
const SMALL_PLACES = {
  singapore: [103.82, 1.35],
  'hong kong': [114.17, 22.32],
  luxembourg: [6.13, 49.61],
  malta: [14.51, 35.9],
  bahrain: [50.56, 26.07],
  monaco: [7.42, 43.74],
  liechtenstein: [9.55, 47.14],
  andorra: [1.52, 42.51],
  mauritius: [57.55, -20.35],
};

/** The geometry name for a country named in the data (the name itself when it matches). */
export function geometryName(name, knownNames) {
  const s = String(name ?? '').trim();
  if (knownNames.has(s)) return s;
  const mapped = COUNTRY_TO_GEOMETRY[s.toLowerCase()];
  if (mapped && knownNames.has(mapped)) return mapped;
  for (const known of knownNames) if (known.toLowerCase() === s.toLowerCase()) return known;
  return null;
}

/**
 * The map without data for one width and theme, drawn by Plot once: projecting the outlines was
 * most of a map's drawing (30–50 ms at 1 300 px). Every drawing clones it and sets the fills.
 * Countries and small places carry their name as aria-label, by which the fills find them.
 */
const baseMaps = new Map();
const BASE_MAPS_KEPT = 6;

function baseMap(ctx, countries) {
  const c = ctx.colors;
  const key = JSON.stringify([ctx.width, c.bg, c.fg, c.grid, c.empty, c.stroke]);
  let base = baseMaps.get(key);
  if (!base) {
    const { Plot } = ctx;
    const places = Object.entries(SMALL_PLACES).map(([name, [lon, lat]]) => ({ name, lon, lat }));
    base = Plot.plot(
      basePlot(ctx, {
        height: Math.round(ctx.width * 0.52),
        projection: 'equal-earth',
        marks: [
          Plot.sphere({ stroke: c.grid }),
          Plot.geo(countries, { fill: c.empty, stroke: c.stroke, strokeWidth: 0.4, ariaLabel: (f) => f.properties?.name ?? null, className: 'hv-map-countries' }),
          Plot.dot(places, { x: 'lon', y: 'lat', r: 4, fill: c.empty, stroke: c.fg, strokeWidth: 0.8, ariaLabel: 'name', className: 'hv-map-places' }),
        ],
      }),
    );
    if (baseMaps.size >= BASE_MAPS_KEPT) baseMaps.delete(baseMaps.keys().next().value);
    baseMaps.set(key, base);
  }
  return base.cloneNode(true);
}

async function drawMap(ctx, report) {
  const { Plot } = ctx;
  const { countries } = await loadWorld();
  const cols = columnsOf(report.rows, report.columns);
  const key = pick(cols, 'key', 'country') || stringColumns(report.rows, cols)[0];
  const value = pick(cols, 'downloads', /downloads/) || numericColumns(report.rows, cols)[0];
  const share = pick(cols, 'share');
  const known = new Set(countries.features.map((f) => f.properties && f.properties.name).filter(Boolean));
  // Drawn places by the name the base map gives them: countries by geometry name, small places
  // by their SMALL_PLACES key.
  const placed = new Map();
  const unplaced = [];
  for (const r of report.rows) {
    const v = num(r[value]);
    if (v === null) continue;
    const placeName = String(r[key] ?? '').trim().toLowerCase();
    const name = geometryName(r[key], known) ?? (SMALL_PLACES[placeName] ? placeName : null);
    if (name === null) {
      unplaced.push(r);
      continue;
    }
    const prev = placed.get(name);
    placed.set(name, { downloads: (prev ? prev.downloads : 0) + v, share: (prev ? prev.share : 0) + (num(r[share]) || 0), keys: prev ? [...prev.keys, r[key]] : [r[key]] });
  }
  const values = [...placed.values()].map((d) => d.downloads).filter((v) => v > 0);
  const color = {
    type: values.length > 1 ? 'log' : 'linear',
    scheme: ctx.colors.dark ? 'viridis' : 'blues',
    label: 'Downloads',
    tickFormat: '~s',
    domain: values.length ? [Math.min(...values), Math.max(...values)] : [0, 1],
  };
  const fillOf = Plot.scale({ color });
  const plot = baseMap(ctx, countries);
  for (const shape of plot.querySelectorAll('.hv-map-countries [aria-label], .hv-map-places [aria-label]')) {
    const d = placed.get(shape.getAttribute('aria-label'));
    if (d && d.downloads > 0) shape.setAttribute('fill', fillOf.apply(d.downloads));
    else if (shape.tagName.toLowerCase() === 'circle') shape.remove(); // small places only with downloads
  }
  plot.setAttribute('aria-label', `World map of downloads by nation (${placed.size} nations placed)`);
  attachReadout(plot, plot, (event) => {
    const d = placed.get(event.target?.getAttribute?.('aria-label'));
    return d ? `${d.keys.join(', ')}\ndownloads: ${intFormat.format(d.downloads)}\nshare: ${pct(d.share)}` : null;
  });
  const parts = [];
  if (values.length) parts.push({ node: Plot.legend({ color, marginLeft: 16, marginRight: 16, width: 340 }) });
  parts.push({ node: plot });
  if (unplaced.length) {
    const list = unplaced
      .slice(0, 12)
      .map((r) => `${r[key] ?? '(unknown)'} (${share ? pct(r[share]) : formatCell(value, r[value])})`)
      .join(', ');
    parts.push({
      node: el('p', { class: 'hv-status', text: `Not on the map: ${list}${unplaced.length > 12 ? ', …' : ''}` }),
    });
  }
  return parts;
}

function drawSharesOverTime(ctx, report, keyCandidates) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const period = pick(cols, 'period', 'week', 'month', 'year', /period|date/);
  const key = pick(cols, ...keyCandidates) || stringColumns(rows, cols).find((c) => c !== period);
  const y = pick(cols, 'share', /share/, 'downloads');
  if (!period || !key || !y || rows.length === 0) return [];
  const keys = orderKeys(rows, key, y);
  const axis = timeOrBand(ctx, rows, period);
  const isShare = /share/.test(y);
  const title = (r) => `${r[key]}\n${r[period]}: ${isShare ? pct(r[y]) : formatCell(y, r[y])}`;
  const periodCount = uniq(rows.map((r) => r[period])).length;
  // An area needs at least two periods; with few periods stacked bars read better.
  const useArea = axis.temporal && periodCount >= 4;
  const bandAxis = useArea ? axis : { x: (r) => String(r[period]), scale: { type: 'band', label: null, domain: uniq(rows.map((r) => String(r[period]))) } };
  const stackOptions = { x: bandAxis.x, y, fill: key, z: key, order: keys };
  // An area whose title changes along the series is cut into one path per point (thousands of
  // nodes for a weekly chart, most of its drawing time): the area carries the series' name, and a
  // readout follows the pointer with the value (Plot's own tip stacked every row a second time:
  // 40 % of a weekly chart's drawing).
  const marks = useArea ? [Plot.areaY(rows, Plot.stackY({ ...stackOptions, title: key }))] : [Plot.barY(rows, Plot.stackY({ ...stackOptions, title }))];
  const node = Plot.plot(
    basePlot(ctx, {
      height: 300,
      marginLeft: 48,
      x: bandAxis.scale,
      y: { label: isShare ? 'Share of downloads' : y, grid: true, tickFormat: isShare ? '.0%' : '~s' },
      color: sharedColor(ctx, keys),
      marks: [...marks, Plot.ruleY([0])],
    }),
  );
  if (useArea) {
    stackedReadout(node, {
      rows,
      period,
      key,
      y,
      keys,
      dateOf: bandAxis.x,
      format: (v) => (isShare ? pct(v) : formatCell(y, v)),
    });
  }
  return [{ node }];
}

/**
 * The pointer readout ([`attachReadout`]) of a stacked area chart drawn by Plot with the series
 * stacked in `keys` order from zero: the period nearest the pointer, and the series under it with
 * its value (the top series of that period when the pointer is above the stack). Set up in one
 * pass over the rows; the work is done on pointer moves.
 */
function stackedReadout(node, { rows, period, key, y, keys, dateOf, format }) {
  const svg = node.tagName.toLowerCase() === 'svg' ? node : [...node.querySelectorAll('svg')].find((s) => s.hasAttribute('viewBox'));
  const xScale = node.scale?.('x');
  const yScale = node.scale?.('y');
  if (!svg || !xScale?.apply || !yScale?.invert) return;
  // Periods in time order, and each period's values in stack order.
  const stackIndex = new Map(keys.map((k, i) => [k, i]));
  const at = new Map();
  for (const r of rows) {
    if (!at.has(r[period])) at.set(r[period], { label: r[period], date: dateOf(r), values: new Float64Array(keys.length) });
    const k = stackIndex.get(r[key]);
    if (k !== undefined) at.get(r[period]).values[k] += num(r[y]) || 0;
  }
  const periods = [...at.values()].filter((p) => p.date).sort((a, b) => a.date - b.date);
  if (!periods.length) return;
  const xs = periods.map((p) => xScale.apply(p.date));
  attachReadout(node, svg, (event) => {
    const matrix = svg.getScreenCTM();
    if (!matrix) return null;
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    // The nearest period by its x position (periods sorted, so xs increase).
    let lo = 0;
    let hi = xs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < point.x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && point.x - xs[lo - 1] < xs[lo] - point.x) lo--;
    const { label, values } = periods[lo];
    const value = yScale.invert(point.y);
    let series = -1;
    let top = -1;
    for (let k = 0, below = 0; k < keys.length; k++) {
      if (values[k] > 0) top = k;
      if (series < 0 && values[k] > 0 && value >= below && value < below + values[k]) series = k;
      below += values[k];
    }
    if (series < 0) series = top;
    return series < 0 ? null : `${label}\n${keys[series]}: ${format(values[series])}`;
  });
}

/**
 * A box of text beside the pointer over `target` (an SVG of the chart `node`), in the chart's
 * holder: `textAt(pointerEvent)` gives the text, or null to hide it. Visual only (aria-hidden): the
 * table below each chart has the same numbers for keyboards and screen readers.
 */
function attachReadout(node, target, textAt) {
  let readout = null;
  const hide = () => readout && (readout.hidden = true);
  target.addEventListener('pointerleave', hide);
  target.addEventListener('pointermove', (event) => {
    const holder = node.parentElement;
    const text = holder ? textAt(event) : null;
    if (text === null) return hide();
    if (!readout) {
      readout = el('div', { class: 'hv-readout', 'aria-hidden': 'true' });
      holder.append(readout);
    }
    readout.textContent = text;
    readout.hidden = false;
    const box = holder.getBoundingClientRect();
    const left = event.clientX - box.left + 14;
    readout.style.left = `${Math.min(left, Math.max(0, box.width - readout.offsetWidth))}px`;
    readout.style.top = `${event.clientY - box.top + 14}px`;
  });
}

const CONCENTRATION_METRICS = ['hhi', 'gini', 'top1', 'top10', 'top100'];

function drawConcentration(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const period = pick(cols, 'period', /period|week|date/);
  if (!period || rows.length === 0) return [];
  const metrics = CONCENTRATION_METRICS.filter((m) => cols.includes(m));
  const long = [];
  for (const r of rows) for (const m of metrics) if (num(r[m]) !== null) long.push({ period: r[period], metric: m, value: r[m] });
  const axis = timeOrBand(ctx, long, 'period');
  // Bootstrap intervals when the view gives them (e.g. hhi_lo/hhi_hi).
  const bands = [];
  for (const m of ['hhi', 'gini']) {
    const lo = pick(cols, new RegExp(`^${m}_(lo|low|lower|ci_lo|ci_low)$`));
    const hi = pick(cols, new RegExp(`^${m}_(hi|high|upper|ci_hi|ci_high)$`));
    if (lo && hi) for (const r of rows) if (num(r[lo]) !== null && num(r[hi]) !== null) bands.push({ period: r[period], metric: m, lo: r[lo], hi: r[hi] });
  }
  const marks = [];
  if (bands.length) marks.push(Plot.areaY(bands, { x: timeOrBand(ctx, bands, 'period').x, y1: 'lo', y2: 'hi', fill: 'metric', fillOpacity: 0.2, z: 'metric' }));
  marks.push(
    axis.temporal
      ? Plot.lineY(long, { x: axis.x, y: 'value', stroke: 'metric', z: 'metric', strokeWidth: 1.6 })
      : Plot.line(long, { x: axis.x, y: 'value', stroke: 'metric', z: 'metric', strokeWidth: 1.6, marker: 'dot' }),
    Plot.ruleY([0]),
    Plot.tip(long, Plot.pointerX({ x: axis.x, y: 'value', stroke: 'metric', title: (d) => `${d.period}\n${d.metric}: ${d.value.toFixed(4)}` })),
  );
  return [
    {
      node: Plot.plot(
        basePlot(ctx, {
          height: 280,
          marginLeft: 44,
          x: axis.scale,
          y: { label: 'HHI, Gini, top-k share', grid: true, domain: [0, 1] },
          color: sharedColor(ctx, metrics),
          marks,
        }),
      ),
    },
  ];
}

function drawStackedBarsByGroup(ctx, rows, cols, { group, part, value, maxGroups = 25, label }) {
  const { Plot } = ctx;
  const groups = orderKeys(rows, group, pick(cols, 'downloads', /downloads/) || value).slice(0, maxGroups);
  const keep = new Set(groups);
  const data = rows.filter((r) => keep.has(r[group]));
  const parts = orderKeys(data, part, value);
  const isShare = /share/.test(value);
  const groupLabel = (r) => truncate(r[group] ?? '(unknown)', 28);
  const domain = groups.map((g) => truncate(g ?? '(unknown)', 28));
  const marginLeft = Math.min(Math.max(...domain.map((s) => s.length)) * 7 + 14, ctx.width * 0.45);
  return Plot.plot(
    basePlot(ctx, {
      height: groups.length * 24 + 70,
      marginLeft,
      x: { label: label || (isShare ? 'Share' : value), grid: true, tickFormat: isShare ? '.0%' : '~s' },
      y: { label: null, domain },
      color: sharedColor(ctx, parts),
      marks: [
        Plot.barX(data, Plot.stackX({ x: value, y: groupLabel, fill: part, order: parts, title: (r) => `${r[group]} · ${r[part]}: ${isShare ? pct(r[value]) : formatCell(value, r[value])}` })),
        Plot.ruleX([0]),
      ],
    }),
  );
}

function drawOrgByCountry(ctx, report) {
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const strs = stringColumns(rows, cols);
  const country = pick(cols, 'country', 'nation', 'key') || strs[0];
  const org = pick(cols, 'org_type', 'org-type', 'type') || strs.find((c) => c !== country);
  const value = pick(cols, 'share', /share/, 'downloads');
  if (!country || !org || !value || rows.length === 0) return genericChart(ctx, report);
  return [{ node: drawStackedBarsByGroup(ctx, rows, cols, { group: country, part: org, value, label: 'Share of the nation’s downloads' }) }];
}

function drawFlows(ctx, report) {
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const depth = pick(cols, 'depth');
  const relation = pick(cols, 'relation');
  const value = pick(cols, 'share', 'downloads');
  if (!depth || !relation || !value || rows.length === 0) return genericChart(ctx, report);
  const data = rows.map((r) => ({ ...r, [depth]: String(r[depth]) }));
  const { Plot } = ctx;
  const relations = orderKeys(data, relation, value);
  const depths = uniq(data.map((r) => r[depth]));
  return [
    {
      node: Plot.plot(
        basePlot(ctx, {
          height: depths.length * 42 + 80,
          marginLeft: 64,
          x: { label: 'Share of downloads at this depth', grid: true, tickFormat: '.0%' },
          y: { label: 'Depth', domain: depths },
          color: sharedColor(ctx, relations),
          marks: [
            Plot.barX(data, Plot.stackX({ x: value, y: depth, fill: relation, order: relations, title: (r) => `depth ${r[depth]} · ${r[relation]}: ${pct(r[value])}` })),
            Plot.ruleX([0]),
          ],
        }),
      ),
    },
  ];
}

function drawModality(ctx, report) {
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const strs = stringColumns(rows, cols);
  const value = pick(cols, 'share', /share/, 'downloads');
  const period = pick(cols, 'period');
  if (!value || rows.length === 0) return genericChart(ctx, report);
  const side = pick(cols, 'direction', 'side', 'kind', 'io') || (strs.length >= 2 && !period ? strs[0] : null);
  const modality = pick(cols, 'modality', 'value', 'key') || strs.find((c) => c !== side && c !== period);
  if (!modality) return genericChart(ctx, report);
  if (period) {
    // Shares over time, one chart per side.
    const sides = side ? uniq(rows.map((r) => r[side])) : [null];
    return sides.map((s) => {
      const subset = side ? rows.filter((r) => r[side] === s) : rows;
      const sub = { ...report, rows: subset };
      const [part] = drawSharesOverTime(ctx, sub, [modality]);
      return { caption: s ? `${s}` : undefined, node: part ? part.node : el('p', { class: 'hv-status', text: 'no rows' }) };
    });
  }
  if (side) return [{ node: drawStackedBarsByGroup(ctx, rows, cols, { group: side, part: modality, value, label: 'Share of downloads' }) }];
  return genericChart(ctx, report);
}

function drawIncidence(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  if (!['value', 'before', 'after'].every((c) => cols.includes(c)) || rows.length === 0) return genericChart(ctx, report);
  const labelOf = (r) => truncate(`${r.attribute ?? ''}: ${r.value ?? '(none)'}`, 40);
  // The largest moves in either direction, by |log ratio|.
  const ranked = rows
    .filter((r) => num(r.before) !== null && num(r.after) !== null && (r.before > 0 || r.after > 0))
    .map((r) => ({ ...r, move: Math.abs(Math.log((r.after + 1e-9) / (r.before + 1e-9))) }))
    .sort((a, b) => b.move - a.move)
    .slice(0, 30)
    .sort((a, b) => b.after - a.after);
  if (!ranked.length) return [];
  const labels = uniq(ranked.map(labelOf));
  const marginLeft = Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.5);
  const colors = ctx.colors.dark ? ['#7fb3ff', '#ffa94d'] : ['#1f5fbf', '#c2410c'];
  return [
    {
      caption: 'The 30 largest changes (incidence before → after)',
      node: Plot.plot(
        basePlot(ctx, {
          height: labels.length * 20 + 60,
          marginLeft,
          x: { label: 'Download-weighted incidence', grid: true, tickFormat: '.0%', type: 'linear' },
          y: { label: null, domain: labels },
          color: { domain: ['before', 'after'], range: colors, legend: true },
          marks: [
            Plot.arrow(ranked, { x1: 'before', x2: 'after', y: labelOf, stroke: ctx.colors.muted, strokeWidth: 1.2, headLength: 6 }),
            Plot.dot(ranked, { x: 'before', y: labelOf, fill: () => 'before', r: 3.5 }),
            Plot.dot(ranked, { x: 'after', y: labelOf, fill: () => 'after', r: 3.5 }),
            Plot.tip(ranked, Plot.pointerY({ x: 'after', y: labelOf, title: (r) => tipText(r, cols) })),
          ],
        }),
      ),
    },
  ];
}

function drawSizes(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const parts = [];
  const density = report.tables && report.tables.density;
  const colors = ctx.colors.dark ? ['#7fb3ff', '#ffa94d'] : ['#1f5fbf', '#c2410c'];
  if (Array.isArray(density) && density.length) {
    const dcols = columnsOf(density);
    const year = pick(dcols, 'year', 'period');
    const basis = pick(dcols, 'basis');
    const x = pick(dcols, 'log10_params', /log10|log_params|^x$|params/);
    const d = pick(dcols, 'density', /density|^y$/);
    if (year && x && d) {
      const bases = basis ? uniq(density.map((r) => r[basis])) : ['density'];
      const data = density.map((r) => ({ ...r, year: String(r[year]), basis: basis ? r[basis] : 'density' }));
      const maxD = Math.max(...data.map((r) => num(r[d]) || 0)) || 1;
      const years = uniq(data.map((r) => r.year)).sort();
      parts.push({
        caption: 'Violins: density of log10(parameters), downloaded (download-weighted) vs created (by count)',
        node: Plot.plot(
          basePlot(ctx, {
            height: 320,
            marginLeft: 48,
            fx: { label: null, domain: years },
            x: { axis: null, domain: [-maxD, maxD] },
            y: { label: 'log10(parameters)', grid: true },
            color: { domain: bases, range: colors, legend: true },
            marks: [
              // Split violins: the first basis on the left half, the second on the right.
              Plot.areaX(data, { fx: 'year', y: x, x1: (r) => (bases.length > 1 && r.basis === bases[0] ? -r[d] : bases.length > 1 ? 0 : -r[d]), x2: (r) => (bases.length > 1 && r.basis === bases[0] ? 0 : r[d]), fill: 'basis', fillOpacity: 0.45, stroke: 'basis', z: 'basis', curve: 'basis' }),
              Plot.ruleX([0], { stroke: ctx.colors.grid }),
              Plot.frame({ stroke: ctx.colors.grid }),
            ],
          }),
        ),
      });
    }
  }
  if (['year', 'median'].every((c) => cols.includes(c)) && rows.length) {
    const data = rows.filter((r) => num(r.median) !== null && r.median > 0).map((r) => ({ ...r, year: String(r.year), basis: r.basis ?? 'all' }));
    if (data.length) {
      const bases = uniq(data.map((r) => r.basis));
      parts.push({
        caption: 'Median and interquartile range of parameters',
        node: Plot.plot(
          basePlot(ctx, {
            height: 260,
            marginLeft: 56,
            fx: { label: null, domain: uniq(data.map((r) => r.year)).sort() },
            x: { axis: null, domain: bases, paddingInner: 0.3 },
            y: { type: 'log', label: 'Parameters', grid: true, tickFormat: '~s' },
            color: { domain: bases, range: colors, legend: true },
            marks: [
              cols.includes('q25') && cols.includes('q75')
                ? Plot.ruleX(data.filter((r) => r.q25 > 0 && r.q75 > 0), { fx: 'year', x: 'basis', y1: 'q25', y2: 'q75', stroke: 'basis', strokeWidth: 6, strokeOpacity: 0.5 })
                : null,
              Plot.dot(data, { fx: 'year', x: 'basis', y: 'median', fill: 'basis', r: 4, title: (r) => tipText(r, cols) }),
            ],
          }),
        ),
      });
    }
  }
  return parts.length ? parts : genericChart(ctx, report);
}

function drawMdiHistogram(ctx, values, caption) {
  const { Plot } = ctx;
  return {
    caption,
    node: Plot.plot(
      basePlot(ctx, {
        height: 220,
        marginLeft: 52,
        x: { label: 'MDI (−1 consolidating … +1 disruptive)', domain: [-1, 1] },
        y: { label: 'Models', grid: true, tickFormat: '~s' },
        marks: [
          Plot.rectY(values, Plot.binX({ y: 'count' }, { x: (v) => v, thresholds: 40, domain: [-1, 1], fill: ctx.colors.accent })),
          Plot.ruleY([0]),
          Plot.ruleX([0], { stroke: ctx.colors.muted, strokeDasharray: '3,3' }),
        ],
      }),
    ),
  };
}

function drawMdi(ctx, report) {
  const col = pick(columnsOf(report.rows, report.columns), 'mdi');
  if (!col) return genericChart(ctx, report);
  const values = [];
  for (const r of report.rows) if (num(r[col]) !== null) values.push(r[col]);
  if (!values.length) return [];
  // The weighted index leaves [-1, 1]: let Plot pick the domain then.
  const inRange = values.every((v) => v >= -1 && v <= 1);
  if (!inRange) {
    const { Plot } = ctx;
    return [{ node: Plot.plot(basePlot(ctx, { height: 220, marginLeft: 52, y: { grid: true, label: 'Models' }, marks: [Plot.rectY(values, Plot.binX({ y: 'count' }, { x: (v) => v, thresholds: 40, fill: ctx.colors.accent })), Plot.ruleY([0])] })) }];
  }
  return [drawMdiHistogram(ctx, values, `Distribution over ${intFormat.format(values.length)} scored models`)];
}

function drawMdiSummary(ctx, report) {
  const { Plot } = ctx;
  const parts = [];
  const tables = report.tables || {};
  const hist = tables.histogram || tables.hist;
  if (Array.isArray(hist) && hist.length) {
    const hcols = columnsOf(hist);
    const lo = pick(hcols, 'lo', 'low', 'bin_lo', 'from', 'x0', /lo|start|left/);
    const hi = pick(hcols, 'hi', 'high', 'bin_hi', 'to', 'x1', /hi|end|right/);
    const count = pick(hcols, 'models', 'count', 'n', /count|models/);
    if (lo && hi && count) {
      parts.push({
        caption: 'Distribution of the MDI',
        node: Plot.plot(
          basePlot(ctx, {
            height: 220,
            marginLeft: 52,
            x: { label: 'MDI (−1 consolidating … +1 disruptive)' },
            y: { label: 'Models', grid: true, tickFormat: '~s' },
            marks: [Plot.rectY(hist, { x1: lo, x2: hi, y: count, fill: ctx.colors.accent, inset: 0.5, title: (r) => `${r[lo]} … ${r[hi]}: ${r[count]}` }), Plot.ruleY([0])],
          }),
        ),
      });
    }
  }
  const top = tables.top;
  if (Array.isArray(top) && top.length) {
    const tcols = columnsOf(top);
    const key = pick(tcols, 'model', 'key', 'id') || stringColumns(top, tcols)[0];
    const value = pick(tcols, 'mdi', /mdi/) || numericColumns(top, tcols)[0];
    if (key && value) {
      const rows = top.slice(0, 25);
      const label = (r) => truncate(r[key], 40);
      const labels = uniq(rows.map(label));
      parts.push({
        caption: 'Top disruptive models',
        node: Plot.plot(
          basePlot(ctx, {
            height: labels.length * 20 + 50,
            marginLeft: Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.55),
            x: { label: value, grid: true },
            y: { label: null, domain: labels },
            marks: [Plot.barX(rows, { x: value, y: label, fill: ctx.colors.accent, title: (r) => tipText(r, tcols) }), Plot.ruleX([0])],
          }),
        ),
      });
    }
  }
  // The shares disruptive / neutral / consolidating by group, when the main table has them.
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const shareCols = cols.filter((c) => /disrupt|neutral|consolid/.test(c) && rows.some((r) => typeof r[c] === 'number' && r[c] >= 0 && r[c] <= 1));
  const group = pick(cols, 'group', 'class', 'by', 'dimension');
  const value = pick(cols, 'value', 'key', 'level');
  if (shareCols.length && rows.length) {
    const long = [];
    for (const r of rows) for (const c of shareCols) if (num(r[c]) !== null) long.push({ label: truncate([group ? r[group] : null, value ? r[value] : null].filter((x) => x !== null && x !== undefined).join(': ') || 'all', 40), kind: c, share: r[c] });
    const labels = uniq(long.map((d) => d.label));
    parts.push({
      caption: 'Shares disruptive, neutral and consolidating',
      node: Plot.plot(
        basePlot(ctx, {
          height: Math.min(labels.length, 40) * 20 + 70,
          marginLeft: Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.5),
          x: { label: 'Share of scored models', tickFormat: '.0%', grid: true },
          y: { label: null, domain: labels.slice(0, 40) },
          color: sharedColor(ctx, shareCols),
          marks: [Plot.barX(long.filter((d) => labels.slice(0, 40).includes(d.label)), Plot.stackX({ x: 'share', y: 'label', fill: 'kind', order: shareCols, title: (d) => `${d.label} · ${d.kind}: ${pct(d.share)}` })), Plot.ruleX([0])],
        }),
      ),
    });
  }
  return parts.length ? parts : genericChart(ctx, report);
}

function drawRaceCoefficients(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  if (!['term', 'estimate', 'std_error'].every((c) => cols.includes(c))) return null;
  const focus = rows.filter((r) => /order|percentile|crowd|rank|days/i.test(String(r.term)) && num(r.estimate) !== null && num(r.std_error) !== null);
  if (!focus.length) return null;
  const data = focus.map((r) => ({ ...r, label: truncate(`${r.spec ?? ''} · ${r.outcome ?? ''}`, 48), lo: r.estimate - 1.96 * r.std_error, hi: r.estimate + 1.96 * r.std_error }));
  const labels = uniq(data.map((d) => d.label));
  const terms = uniq(data.map((d) => d.term));
  return {
    caption: 'Estimates with 95 % intervals: release order, crowding and timing terms',
    node: Plot.plot(
      basePlot(ctx, {
        height: labels.length * terms.length * 16 + 90,
        marginLeft: Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.5),
        x: { label: 'Estimate', grid: true },
        y: { label: null, domain: labels },
        marginRight: terms.length > 1 ? Math.min(Math.max(...terms.map((t) => String(t).length)) * 7 + 16, 180) : 20,
        fy: terms.length > 1 ? { label: null, domain: terms } : undefined,
        color: sharedColor(ctx, terms),
        marks: [
          Plot.ruleX([0], { stroke: ctx.colors.muted, strokeDasharray: '3,3' }),
          Plot.ruleY(data, { y: 'label', fy: terms.length > 1 ? 'term' : undefined, x1: 'lo', x2: 'hi', stroke: 'term' }),
          Plot.dot(data, { x: 'estimate', y: 'label', fy: terms.length > 1 ? 'term' : undefined, fill: 'term', r: 3.5, title: (r) => tipText(r, cols) }),
        ],
      }),
    ),
  };
}

function drawRecognitionScatter(ctx, rows) {
  const { Plot } = ctx;
  if (!Array.isArray(rows) || !rows.length) return null;
  const cols = columnsOf(rows);
  const x = pick(cols, 'release_order', 'order', 'percentile', /order|percentile|rank/);
  const y = pick(cols, 'ln_downloads', 'recognition', /ln.*downloads|recognition|ln_/);
  if (!x || !y) return null;
  const data = rows.filter((r) => num(r[x]) !== null && num(r[y]) !== null);
  if (!data.length) return null;
  return {
    caption: `Recognition (${y}) against release order (${x})${uniq(data.map((r) => r[x])).length >= 2 && data.length >= 3 ? ', with a least-squares line' : ''}`,
    node: Plot.plot(
      basePlot(ctx, {
        height: 300,
        marginLeft: 52,
        x: { label: x, grid: true, type: x === 'percentile' ? 'linear' : (Math.max(...data.map((r) => r[x])) > 50 ? 'log' : 'linear') },
        y: { label: y, grid: true },
        marks: [
          Plot.dot(data, { x, y, r: 1.8, fill: ctx.colors.accent, fillOpacity: Math.max(0.08, Math.min(0.7, 300 / data.length)) }),
          // A least-squares line needs two distinct release orders (and three points for its band).
          uniq(data.map((r) => r[x])).length >= 2 && data.length >= 3
            ? Plot.linearRegressionY(data, { x, y, stroke: ctx.colors.fg, ci: 0.95 })
            : null,
        ],
      }),
    ),
  };
}

/** Mean recognition per release-order bin (the race view's `scatter` table). */
function drawRaceBins(ctx, rows) {
  const { Plot } = ctx;
  if (!Array.isArray(rows) || !rows.length) return null;
  const cols = columnsOf(rows);
  const start = pick(cols, 'percentile_start', /start|lo/);
  const end = pick(cols, 'percentile_end', /end|hi/);
  const outcomes = cols.filter((c) => /^mean_/.test(c));
  const count = pick(cols, 'derivatives', 'n', 'count');
  if (!start || !end || !outcomes.length) return null;
  const long = [];
  for (const r of rows) {
    for (const o of outcomes) {
      if (num(r[o]) === null || num(r[start]) === null || num(r[end]) === null) continue;
      long.push({ x: (r[start] + r[end]) / 2, outcome: o.replace(/^mean_/, ''), value: r[o], n: count ? r[count] : null, start: r[start], end: r[end] });
    }
  }
  if (!long.length) return null;
  const names = uniq(long.map((d) => d.outcome));
  return {
    caption: 'Recognition against release order: mean ln(1 + downloads) and ln(1 + likes) per release-percentile bin (dot size: derivatives)',
    node: Plot.plot(
      basePlot(ctx, {
        height: 300,
        marginLeft: 48,
        x: { label: 'Release percentile among the base model’s derivatives (0 = first)', domain: [0, 1], grid: true },
        y: { label: 'Mean recognition', grid: true },
        color: sharedColor(ctx, names),
        r: { range: [1.5, 8] },
        marks: [
          Plot.line(long, { x: 'x', y: 'value', stroke: 'outcome', z: 'outcome', strokeWidth: 1.5 }),
          Plot.dot(long, { x: 'x', y: 'value', fill: 'outcome', r: count ? 'n' : 3, title: (d) => `${d.outcome}\npercentile ${d.start}–${d.end}\nmean ${d.value.toFixed(3)}${d.n !== null ? `\n${d.n} derivatives` : ''}` }),
        ],
      }),
    ),
  };
}

function drawRace(ctx, report, extra) {
  const parts = [];
  const coef = drawRaceCoefficients(ctx, report);
  if (coef) parts.push(coef);
  const bins = drawRaceBins(ctx, report.tables && report.tables.scatter);
  if (bins) parts.push(bins);
  else {
    const scatter = drawRecognitionScatter(ctx, (report.tables && report.tables.scatter) || (extra && extra.raceData));
    if (scatter) parts.push(scatter);
  }
  return parts;
}

function drawRaceData(ctx, report) {
  const scatter = drawRecognitionScatter(ctx, report.rows);
  return scatter ? [scatter] : genericChart(ctx, report);
}

function drawInfo(ctx, report, info) {
  const row = report.rows[0] || {};
  const dl = el('dl', { class: 'hv-kv' });
  const entries = { ...row };
  if (info) {
    for (const k of ['description', 'repairs']) if (info[k] && (!Array.isArray(info[k]) || info[k].length)) entries[k] = Array.isArray(info[k]) ? info[k].join('\n') : info[k];
  }
  for (const [k, v] of Object.entries(entries)) {
    dl.append(el('dt', { text: k.replace(/_/g, ' ') }), el('dd', { text: formatCell(k, v) }));
  }
  return [{ node: dl }];
}

/** A bar chart of the first text column against the first numeric one, when nothing else fits. */
function genericChart(ctx, report) {
  const { Plot } = ctx;
  const rows = report.rows;
  const cols = columnsOf(rows, report.columns);
  const key = stringColumns(rows, cols)[0];
  const value = pick(cols, 'share', 'downloads') || numericColumns(rows, cols)[0];
  if (!key || !value || !rows.length) return [];
  const data = rows.slice(0, 30);
  const label = (r) => truncate(r[key], 36);
  const labels = uniq(data.map(label));
  return [
    {
      node: Plot.plot(
        basePlot(ctx, {
          height: labels.length * 20 + 50,
          marginLeft: Math.min(Math.max(...labels.map((s) => s.length)) * 7 + 14, ctx.width * 0.5),
          x: { label: value, grid: true },
          y: { label: null, domain: labels },
          marks: [Plot.barX(data, { x: value, y: label, fill: ctx.colors.accent, title: (r) => tipText(r, cols) }), Plot.ruleX([0])],
        }),
      ),
    },
  ];
}

async function drawChart(ctx, view, report, info, extra) {
  switch (view) {
    case 'info':
      return drawInfo(ctx, report, info);
    case 'leaderboard':
      return drawLeaderboard(ctx, report);
    case 'map':
      return drawMap(ctx, report);
    case 'shares':
      return drawSharesOverTime(ctx, report, ['key', 'developer', 'country', 'model', 'unit']);
    case 'trends':
      return drawSharesOverTime(ctx, report, ['value', 'key', 'label']);
    case 'concentration':
      return drawConcentration(ctx, report);
    case 'org-by-country':
      return drawOrgByCountry(ctx, report);
    case 'incidence':
      return drawIncidence(ctx, report);
    case 'sizes':
      return drawSizes(ctx, report);
    case 'flows':
      return drawFlows(ctx, report);
    case 'modality':
      return drawModality(ctx, report);
    case 'mdi':
      return drawMdi(ctx, report);
    case 'mdi-summary':
      return drawMdiSummary(ctx, report);
    case 'race':
      return drawRace(ctx, report, extra);
    case 'race-data':
      return drawRaceData(ctx, report);
    default:
      return genericChart(ctx, report);
  }
}

// --- the table alternative ---

const TABLE_ROW_LIMIT = 200;
/** Above this many models the per-model MDI table waits for a click. */
const LARGE_TABLE_MODELS = 250000;

function buildTable(rows, columns, caption) {
  const cols = columnsOf(rows, columns);
  const table = el('table', { class: 'hv-table' });
  const shown = rows.slice(0, TABLE_ROW_LIMIT);
  const more = rows.length > shown.length ? ` — first ${shown.length} of ${intFormat.format(rows.length)} rows; the CSV has them all` : '';
  table.append(el('caption', { text: `${caption}${more}` }));
  const numeric = new Set(numericColumns(shown, cols));
  const thead = el('thead');
  const hr = el('tr');
  for (const c of cols) hr.append(el('th', { scope: 'col', class: numeric.has(c) ? 'num' : null, text: c }));
  thead.append(hr);
  const tbody = el('tbody');
  for (const r of shown) {
    const tr = el('tr');
    cols.forEach((c, i) => {
      const cell = el(i === 0 ? 'th' : 'td', { class: numeric.has(c) ? 'num' : null, text: formatCell(c, r[c]) });
      if (i === 0) cell.setAttribute('scope', 'row');
      tr.append(cell);
    });
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

// --- downloads ---

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

function safeFilePart(text) {
  return String(text).replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'view';
}

/** A standalone SVG of a chart part: colours resolved, background painted, namespaces set. */
export function chartToSvgText(svg) {
  const clone = svg.cloneNode(true);
  const style = getComputedStyle(svg);
  const width = svg.getAttribute('width') || svg.viewBox.baseVal.width || svg.clientWidth;
  const height = svg.getAttribute('height') || svg.viewBox.baseVal.height || svg.clientHeight;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  clone.setAttribute('width', width);
  clone.setAttribute('height', height);
  clone.style.background = style.backgroundColor;
  clone.style.color = style.color;
  clone.style.fontFamily = style.fontFamily;
  clone.style.fontSize = style.fontSize;
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', style.backgroundColor);
  clone.insertBefore(bg, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

async function svgToPngBlob(svg) {
  const text = chartToSvgText(svg);
  const width = Number(svg.getAttribute('width')) || svg.clientWidth || 640;
  const height = Number(svg.getAttribute('height')) || svg.clientHeight || 400;
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    const scale = 2;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext('2d');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, height);
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The main SVG of each chart part: the largest top-level one (legend swatches are small SVGs). */
function chartSvgs(chartBox) {
  const out = [];
  for (const part of chartBox.querySelectorAll('.hv-chart-part')) {
    const area = (svg) => (Number(svg.getAttribute('width')) || svg.clientWidth) * (Number(svg.getAttribute('height')) || svg.clientHeight);
    const topLevel = [...part.querySelectorAll('svg')].filter((svg) => !svg.parentElement.closest('svg'));
    const main = topLevel.sort((a, b) => area(b) - area(a))[0];
    if (main) out.push(main);
  }
  return out;
}

/** Stacks several chart SVGs into one document (a view with two charts exports both). */
function combinedSvgText(svgs) {
  if (svgs.length === 1) return chartToSvgText(svgs[0]);
  let y = 0;
  let width = 0;
  const pieces = [];
  for (const s of svgs) {
    const text = chartToSvgText(s);
    const w = Number(s.getAttribute('width')) || s.clientWidth;
    const h = Number(s.getAttribute('height')) || s.clientHeight;
    pieces.push(text.replace(/^<svg\b/, `<svg x="0" y="${y}"`));
    y += h + 16;
    width = Math.max(width, w);
  }
  const bg = getComputedStyle(svgs[0]).backgroundColor;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"><rect width="100%" height="100%" fill="${bg}"/>${pieces.join('')}</svg>`;
}

// --- embed code ---

function embedCode(view, options, snapshotUrl, widgetBase) {
  const base = widgetBase ? new URL(widgetBase, location.href) : MODULE_BASE;
  const script = new URL('hubecon-widget.min.js', base).href;
  const attrs = [`view="${escapeAttr(view)}"`];
  const snapshot = snapshotUrl ? new URL(snapshotUrl, location.href).href : 'YOUR-SNAPSHOT.arrow';
  attrs.push(`snapshot="${escapeAttr(snapshot)}"`);
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    attrs.push(v === true ? escapeAttr(k) : `${escapeAttr(k)}="${escapeAttr(v)}"`);
  }
  return `<script type="module" src="${escapeAttr(script)}"></script>\n<hubecon-view ${attrs.join(' ')}></hubecon-view>`;
}

function escapeAttr(v) {
  return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// --- options summary under the title ---

function describeOptions(view, o) {
  const bits = [];
  const economies = ['leaderboard', 'map', 'shares', 'concentration', 'org-by-country', 'incidence', 'sizes', 'flows', 'modality', 'trends'];
  if (economies.includes(view)) {
    bits.push(o['no-window'] === true || o['no-window'] === 'true' || o['window-weeks'] === 'off' ? 'no rolling window' : `rolling window ${o['window-weeks'] ?? 52} weeks`);
    bits.push(`${o.attribution === 'root' ? 'recursive (root)' : 'direct'} attribution`);
    bits.push(`min. ${o['min-downloads'] ?? 200} downloads`);
    if (o.granularity && ['shares', 'concentration', 'trends', 'modality'].includes(view)) bits.push(`by ${o.granularity}`);
    if (o['created-from'] || o['created-to']) bits.push(`created ${o['created-from'] || '…'} to ${o['created-to'] || '…'}`);
    if (o.from || o.to) bits.push(`downloads ${o.from || '…'} to ${o.to || '…'}`);
    if (view === 'trends') bits.push(`attribute ${o.attribute}`);
  } else if (view === 'mdi' || view === 'mdi-summary') {
    bits.push(o.unbounded === true || o.unbounded === 'true' ? 'unbounded window' : `window ${o['window-days'] ?? 90} days`);
    if (o.transitive) bits.push('transitive');
    if (o.weighted) bits.push('magnitude-weighted');
  } else if (view === 'race' || view === 'race-data') {
    bits.push(`bases with ≥ ${o['min-siblings'] ?? 5} derivatives`, `crowding ${o['crowding-days'] ?? 30} days`);
  }
  if (o.relations && view !== 'info') bits.push(`relations: ${o.relations}`);
  if (o.where) bits.push(`subset: ${o.where}`);
  return bits.join(' · ');
}

// --- the box ---

let boxCounter = 0;

/**
 * Draws one view into `container` (see the top of this file). Never throws: errors are shown in
 * the box and returned as `{ok: false, error}`.
 */
export async function renderView(container, params = {}) {
  const t0 = performance.now();
  const { engine, view, options = {}, info = null, snapshotUrl = null, widgetBase = null } = params;
  const headingLevel = Math.min(Math.max(Number(params.headingLevel) || 3, 2), 6);
  const boxId = container.id || `hv-box-${++boxCounter}`;
  const titleText = params.title || viewTitle(view, options);
  const call = engineCall(view, options);

  container.classList.add('hv-panel');
  container.setAttribute('aria-busy', 'true');
  const titleId = `${boxId}-title`;
  if (!container.getAttribute('aria-labelledby')) container.setAttribute('aria-labelledby', titleId);

  const head = el('div', { class: 'hv-head' });
  const title = el(`h${headingLevel}`, { class: 'hv-title', id: titleId, tabindex: '-1', text: titleText });
  head.append(title);
  if (info && info.synthetic) {
    head.append(el('span', { class: 'hv-badge', title: 'These numbers come from generated data, not from the Hugging Face Hub', text: 'Synthetic data' }));
  }
  const subtitle = el('p', { class: 'hv-subtitle', text: describeOptions(view, call.options) });
  const toolbar = el('div', { class: 'hv-toolbar', role: 'group', 'aria-label': `${titleText}: downloads and sharing` });
  const chartBox = el('div', { class: 'hv-chart' });
  const notesBox = el('ul', { class: 'hv-notes' });
  const tableBox = el('div', { class: 'hv-table-box' });
  const embedBox = el('div', { class: 'hv-embed', hidden: true });
  const status = el('p', { class: 'hv-status', role: 'status', 'aria-live': 'polite' });
  container.replaceChildren(head, subtitle, toolbar, chartBox, notesBox, tableBox, embedBox, status);

  const fail = (message) => {
    const box = el('div', { class: 'hv-error', role: 'alert', text: message });
    chartBox.replaceChildren(box);
    container.setAttribute('aria-busy', 'false');
    container.dataset.state = 'error';
    return { ok: false, error: message, ms: performance.now() - t0 };
  };

  if (!engine) return fail('No snapshot is loaded.');
  if (!VIEW_TITLES[view]) return fail(`Unknown view “${view}”. Views: ${Object.keys(VIEW_TITLES).join(', ')}.`);

  // The per-model MDI table of a large snapshot is millions of rows: it is computed on request
  // (the distribution and the top models are in the 'mdi-summary' view).
  if (view === 'mdi' && !params.force && info && Number(info.models) > LARGE_TABLE_MODELS) {
    const show = el('button', { type: 'button', class: 'hv-btn', text: `Compute the table of all ${intFormat.format(info.models)} models` });
    show.dataset.action = 'compute';
    show.addEventListener('click', () => renderView(container, { ...params, force: true }));
    chartBox.replaceChildren(
      el('p', { class: 'hv-status', text: 'This snapshot is large: the per-model table is computed when you ask for it (a few seconds). The distribution and the most disruptive models are in the disruption summary.' }),
      show,
    );
    toolbar.remove();
    container.setAttribute('aria-busy', 'false');
    container.dataset.state = 'ok';
    container.dataset.deferred = 'true';
    container.dataset.renderId = String(++boxCounter);
    return { ok: true, deferred: true, ms: performance.now() - t0, computeMs: 0 };
  }
  delete container.dataset.deferred;

  let report;
  try {
    report = engine.report(call.view, call.options);
  } catch (e) {
    return fail(`${titleText}: ${errorMessage(e)}`);
  }
  if (!report || !Array.isArray(report.rows)) return fail(`${titleText}: the engine returned no table`);
  const computeMs = performance.now() - t0;
  container.dataset.computeMs = computeMs.toFixed(1);

  // Race: the scatter comes from the sample when the regression report carries none.
  const extra = {};
  if (view === 'race' && !(report.tables && report.tables.scatter)) {
    try {
      extra.raceData = engine.report('race-data', call.options).rows;
    } catch {
      extra.raceData = null;
    }
  }

  // Toolbar: data downloads (main table or a named extra table), chart downloads, embed code.
  const tableNames = Object.keys(report.tables || {});
  let tableSelect = null;
  if (tableNames.length) {
    tableSelect = el('select', { 'aria-label': 'Table to download' });
    tableSelect.append(el('option', { value: '', text: `table: ${call.view}` }));
    for (const n of tableNames) tableSelect.append(el('option', { value: n, text: `table: ${n}` }));
  }
  const stem = safeFilePart(`hubecon-${view}${call.options.level && ['leaderboard', 'shares', 'concentration'].includes(view) ? `-${call.options.level}` : ''}`);
  const chosenTable = () => (tableSelect && tableSelect.value ? tableSelect.value : undefined);
  const button = (label, aria, onClick) => {
    const b = el('button', { type: 'button', class: 'hv-btn', 'aria-label': aria, text: label });
    b.addEventListener('click', async () => {
      try {
        status.textContent = '';
        await onClick(b);
      } catch (e) {
        status.textContent = `${label}: ${errorMessage(e)}`;
      }
    });
    return b;
  };
  const csvButton = button('CSV', `Download the data of “${titleText}” as CSV`, () => {
    const t = chosenTable();
    const text = t ? engine.reportCsv(call.view, call.options, t) : engine.reportCsv(call.view, call.options);
    saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), `${stem}${t ? `-${t}` : ''}.csv`);
  });
  csvButton.dataset.action = 'csv';
  const arrowButton = button('Arrow', `Download the data of “${titleText}” as Arrow IPC`, () => {
    const t = chosenTable();
    const bytes = t ? engine.reportArrow(call.view, call.options, t) : engine.reportArrow(call.view, call.options);
    saveBlob(new Blob([bytes], { type: 'application/vnd.apache.arrow.stream' }), `${stem}${t ? `-${t}` : ''}.arrows`);
  });
  arrowButton.dataset.action = 'arrow';
  const svgButton = button('SVG', `Download the chart of “${titleText}” as SVG`, () => {
    const svgs = chartSvgs(chartBox);
    if (!svgs.length) throw new Error('this view has no chart');
    saveBlob(new Blob([combinedSvgText(svgs)], { type: 'image/svg+xml' }), `${stem}.svg`);
  });
  svgButton.dataset.action = 'svg';
  const pngButton = button('PNG', `Download the chart of “${titleText}” as PNG`, async () => {
    const svgs = chartSvgs(chartBox);
    if (!svgs.length) throw new Error('this view has no chart');
    // One PNG of all parts: draw the combined SVG through a temporary element.
    if (svgs.length === 1) {
      saveBlob(await svgToPngBlob(svgs[0]), `${stem}.png`);
    } else {
      const wrapper = el('div');
      wrapper.style.cssText = 'position:absolute;left:-99999px;top:0';
      const parsed = new DOMParser().parseFromString(combinedSvgText(svgs), 'image/svg+xml').documentElement;
      wrapper.append(document.importNode(parsed, true));
      (container.getRootNode().body || document.body).append(wrapper);
      try {
        saveBlob(await svgToPngBlob(wrapper.firstChild), `${stem}.png`);
      } finally {
        wrapper.remove();
      }
    }
  });
  pngButton.dataset.action = 'png';
  const embedButton = button('Embed', `Copy the embed code of “${titleText}”`, async () => {
    const code = embedCode(view, call.options, snapshotUrl, widgetBase);
    const area = el('textarea', { readonly: true, rows: '4', 'aria-label': 'Embed code', spellcheck: 'false' });
    area.value = code;
    const note = el('span');
    embedBox.replaceChildren(el('label', { text: 'Embed code: paste it into a page (needs hubecon-widget.min.js and the snapshot on the same site, or served with CORS).' }), area, note);
    embedBox.hidden = false;
    area.focus();
    area.select();
    try {
      await navigator.clipboard.writeText(code);
      note.textContent = 'Copied to the clipboard.';
    } catch {
      note.textContent = 'Select the text and copy it (the clipboard is not available here).';
    }
  });
  embedButton.dataset.action = 'embed';
  toolbar.append(csvButton);
  // The engine's small build (widgets, iframe) has no Arrow writer: CSV only there.
  if (typeof engine.reportArrow === 'function') toolbar.append(arrowButton);
  if (tableSelect) toolbar.append(tableSelect);
  if (view !== 'info') toolbar.append(svgButton, pngButton);
  toolbar.append(embedButton);

  // Notes from the engine (what was excluded, estimated, repaired).
  for (const n of report.notes || []) notesBox.append(el('li', { text: n }));

  // Table alternative (the main table and every extra table) and the chart; drawn again when a
  // leaderboard's symbols arrive.
  const renderId = String(++boxCounter);
  container.dataset.renderId = renderId;
  const drawTable = (rep) => {
    const details = el('details', { class: 'hv-table-details' });
    details.append(el('summary', { text: `Table${tableNames.length ? 's' : ''} (${intFormat.format(rep.rows.length)} rows)` }));
    const wrap = el('div', { class: 'hv-table-wrap', tabindex: '0', role: 'region', 'aria-label': `${titleText}: table` });
    // The rows are built when the table is first opened: a redraw of a closed one costs nothing.
    let filled = false;
    const fill = () => {
      if (filled) return;
      filled = true;
      wrap.append(buildTable(rep.rows, rep.columns, titleText));
      for (const n of tableNames) {
        const rows = rep.tables[n];
        if (Array.isArray(rows)) wrap.append(buildTable(rows, null, `${titleText}: ${n}`));
      }
    };
    details.addEventListener('toggle', () => details.open && fill());
    details.append(wrap);
    const old = tableBox.querySelector('details');
    if (old && old.open) {
      details.open = true;
      fill();
    }
    if (view !== 'info') tableBox.replaceChildren(details);
    return details;
  };
  const details = drawTable(report);

  // A caller that redraws several boxes in a row measures their chart widths and colours before
  // it changes any (`chartWidth`, `chartColors`): read here, after the boxes drawn before have
  // changed the page, each would force a layout or a style pass of the whole page per box (about
  // 12 ms and 7 ms each at 1 M models in Chromium).
  const measured = Number(params.chartWidth) > 0 ? Number(params.chartWidth) : chartBox.clientWidth || container.clientWidth;
  const width = Math.max(280, Math.min(1200, Math.floor(measured || 640)));
  let libs;
  try {
    libs = view === 'info' ? { Plot: null } : await loadLibs();
  } catch (e) {
    chartBox.replaceChildren(el('div', { class: 'hv-error', role: 'alert', text: `Charts are unavailable (${errorMessage(e)}); the table below has the data.` }));
    details.open = true;
    container.setAttribute('aria-busy', 'false');
    container.dataset.state = 'ok';
    return { ok: true, report, ms: performance.now() - t0, computeMs };
  }
  const ctx = { Plot: libs.Plot, d3: libs.d3, width, colors: params.chartColors || themeColors(container) };
  const drawInto = async (rep) => {
    try {
      const parts = await drawChart(ctx, view, rep, info, extra);
      if (!parts.length) {
        chartBox.replaceChildren(el('p', { class: 'hv-status', text: rep.rows.length ? 'Nothing to draw for these rows; see the table.' : 'No rows for these options.' }));
        svgButton.disabled = true;
        pngButton.disabled = true;
        return;
      }
      const holders = parts.map((part) => {
        const holder = el('div', { class: 'hv-chart-part' });
        if (part.caption) holder.append(el('p', { class: 'hv-chart-caption', text: part.caption }));
        const node = part.node;
        if (node instanceof Element && (node.tagName.toLowerCase() === 'svg' || node.tagName.toLowerCase() === 'figure')) {
          node.setAttribute('role', 'img');
          if (!node.getAttribute('aria-label')) node.setAttribute('aria-label', `${titleText}${part.caption ? `: ${part.caption}` : ''}. The table below has the numbers.`);
        }
        holder.append(node);
        return holder;
      });
      chartBox.replaceChildren(...holders);
    } catch (e) {
      chartBox.replaceChildren(el('div', { class: 'hv-error', role: 'alert', text: `The chart could not be drawn (${errorMessage(e)}); the table below has the data.` }));
    }
  };
  await drawInto(report);
  container.setAttribute('aria-busy', 'false');
  container.dataset.state = 'ok';
  container.dataset.rows = String(report.rows.length);

  // Leaderboards: organisation type and modality of each unit come from extra subset queries, so
  // they are added after the first drawing (the CSV and Arrow downloads stay the engine's table).
  if (view === 'leaderboard' && report.rows.length) {
    container.dataset.symbols = 'pending';
    setTimeout(async () => {
      if (container.dataset.renderId !== renderId) return;
      const attrs = await leaderboardAttributes(engine, call.options, LEADERBOARD_SYMBOL_BUDGET_MS, () => container.dataset.renderId === renderId);
      if (container.dataset.renderId !== renderId) return;
      if (attrs && (attrs.org.size || attrs.input.size || attrs.output.size)) {
        const decorated = decorateLeaderboard(report, attrs);
        drawTable(decorated);
        await drawInto(decorated);
        if (attrs.skipped) notesBox.append(el('li', { text: attrs.skipped }));
      }
      container.dataset.symbols = 'done';
    }, 0);
  }
  return { ok: true, report, ms: performance.now() - t0, computeMs };
}
