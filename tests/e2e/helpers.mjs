// Shared by the e2e tests (node --test tests/e2e/): a static server for www/ on a free 127.0.0.1
// port, headless Chromium through playwright-core, a watcher that fails a test on any console error,
// page error or CSP violation, and the snapshot fixtures built with the CLI.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WWW = path.join(ROOT, 'www');
export const ARTIFACTS = path.join(ROOT, 'artifacts', 'e2e');
/** Fixture snapshots built for the tests (served under /fixtures/). */
export const FIXTURE_DIR = path.join(ROOT, 'target', 'e2e-fixtures');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the e2e tests cannot run here, or null. Tests skip (with this message) instead of failing. */
export function missingPrerequisite() {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'playwright-core'))) return 'playwright-core is missing (npm ci)';
  if (!fs.existsSync(path.join(WWW, 'pkg', 'hubecon_bg.wasm'))) return 'www/pkg is missing (scripts/build wasm)';
  return null;
}

function hubeconCli() {
  if (process.env.HUBECON_CLI && fs.existsSync(process.env.HUBECON_CLI)) return process.env.HUBECON_CLI;
  for (const p of ['target/release/hubecon', 'target/debug/hubecon']) {
    if (fs.existsSync(path.join(ROOT, p))) return path.join(ROOT, p);
  }
  execFileSync('cargo', ['build', '--quiet', '--bin', 'hubecon'], { cwd: ROOT, stdio: 'inherit' });
  return path.join(ROOT, 'target/debug/hubecon');
}

/**
 * Builds the fixture snapshots once per run (a few KB each) and returns their file names:
 * small.arrow (synthetic, 2 000 models), xss.arrow (tests/fixtures/xss/*.csv), corrupt.arrow
 * (small.arrow cut in half), garbage.arrow (not Arrow at all), newer-format.arrow (format 99).
 */
export function ensureFixtures() {
  fs.mkdirSync(FIXTURE_DIR, { recursive: true });
  const cli = hubeconCli();
  const small = path.join(FIXTURE_DIR, 'small.arrow');
  const xss = path.join(FIXTURE_DIR, 'xss.arrow');
  const stale = (file) => !fs.existsSync(file) || fs.statSync(file).mtimeMs < fs.statSync(cli).mtimeMs;
  if (stale(small)) {
    execFileSync(cli, ['build', '--source', 'synthetic', '--models', '2000', '--seed', '7', '--out', small], {
      stdio: 'pipe',
    });
  }
  if (stale(xss)) {
    execFileSync(
      cli,
      [
        'build',
        '--source',
        'csv',
        '--edges',
        path.join(ROOT, 'tests/fixtures/xss/edges.csv'),
        '--nodes',
        path.join(ROOT, 'tests/fixtures/xss/nodes.csv'),
        '--out',
        xss,
      ],
      { stdio: 'pipe' },
    );
  }
  const bytes = fs.readFileSync(small);
  fs.writeFileSync(path.join(FIXTURE_DIR, 'corrupt.arrow'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  fs.writeFileSync(path.join(FIXTURE_DIR, 'garbage.arrow'), Buffer.from('<html>this is not a snapshot</html>'));
  // Written by pyarrow (tests/fixtures/newer_format.py): format_version 99 in the schema metadata.
  fs.copyFileSync(path.join(ROOT, 'tests/fixtures/newer-format.arrow'), path.join(FIXTURE_DIR, 'newer-format.arrow'));
  return {
    small: 'small.arrow',
    xss: 'xss.arrow',
    corrupt: 'corrupt.arrow',
    garbage: 'garbage.arrow',
    newer: 'newer-format.arrow',
  };
}

/**
 * Starts tests/e2e/server.mjs for www/ on a free port, with /fixtures/ (the built fixtures) and
 * /e2e/ (tests/e2e/pages) mounted. Checks that the child is alive and answers.
 * @returns {Promise<{url: string, port: number, pid: number, stop: () => Promise<void>}>}
 */
export async function startServer({ root = WWW } = {}) {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'tests/e2e/server.mjs'),
      root,
      `/fixtures=${FIXTURE_DIR}`,
      `/e2e=${path.join(ROOT, 'tests/e2e/pages')}`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] }, // the server exits when our end of its stdin closes
  );
  const port = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('the test server did not start within 10 s')), 10000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line).port);
        } catch (e) {
          reject(e);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test server exited with ${code}`));
    });
  });
  // The pid is ours and alive, and the port answers with our files (not a leftover server).
  process.kill(child.pid, 0);
  const url = `http://127.0.0.1:${port}/`;
  const probe = await fetch(url + 'engine.js');
  assert.equal(probe.status, 200, 'the test server does not serve www/engine.js');
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, port, pid: child.pid, stop };
}

/**
 * A fresh Chromium profile (its own cache and service workers). `extraArgs`: more command-line
 * switches (a benchmark's V8 flags); the rest goes to Playwright.
 */
export async function launchBrowser({ extraArgs = [], ...extra } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hubecon-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1100, height: 900 },
    ...extra,
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close, profile };
}

const watchers = new WeakMap();

/**
 * Records console errors, uncaught page errors and CSP violations (also from shadow roots and
 * iframes) of every page of a context, from now on. `problems()` lists them; `assertClean()` fails on
 * any. `allow` lists patterns of expected messages (for example the 404 a test provokes).
 */
export async function watch(context, { allow = [] } = {}) {
  let hub = watchers.get(context);
  if (!hub) {
    hub = new Set();
    watchers.set(context, hub);
    const report = (text) => hub.forEach((fn) => fn(text));
    await context.exposeBinding('__hubeconTestReport', (_source, text) => report(`csp: ${text}`));
    // Test instrumentation only (injected by the test browser, never shipped).
    await context.addInitScript(() => {
      document.addEventListener(
        'securitypolicyviolation',
        (e) => {
          globalThis.__hubeconTestReport?.(
            `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
          );
        },
        true,
      );
    });
    const attach = (page) => {
      page.on('console', (msg) => {
        if (msg.type() === 'error') report(`console: ${msg.text()} (${msg.location()?.url || ''})`);
      });
      page.on('pageerror', (err) => report(`pageerror: ${err.message}`));
    };
    context.pages().forEach(attach);
    context.on('page', attach);
  }
  const seen = [];
  // A checkout without built snapshots has no www/snapshots.json: its 404 is expected then.
  const expected = fs.existsSync(path.join(WWW, 'snapshots.json')) ? [] : [/(404|ERR_FAILED).*\/snapshots\.json/];
  const listener = (text) => {
    if (![...allow, ...expected].some((re) => re.test(text))) seen.push(text);
  };
  hub.add(listener);
  return {
    problems: () => [...seen],
    stop: () => hub.delete(listener),
    assertClean(label = '') {
      hub.delete(listener);
      assert.deepEqual(seen, [], `console/page errors or CSP violations ${label}`);
    },
  };
}

/** Options for node:test that skip with the reason when the prerequisites are missing. */
export function skipUnless(reason) {
  return reason ? { skip: reason } : {};
}

/** Saves a screenshot under artifacts/e2e/NAME.png. */
export async function screenshot(pageOrLocator, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await pageOrLocator.screenshot({ path: file });
  return file;
}

/** Counts of the engine's performance marks in a page (engine.js emits them; no globals). */
export async function engineMarks(page) {
  return page.evaluate(() => {
    const count = (name) => performance.getEntriesByName(name, 'mark').length;
    return {
      wasmInits: count('hubecon:wasm-init'),
      snapshotFetches: performance.getEntriesByName('hubecon:snapshot-fetch', 'mark').map((m) => m.detail?.url),
      decodes: count('hubecon:snapshot-decode'),
    };
  });
}

/** Waits until every <hubecon-view> in the page has finished (data-state ready or error). */
export async function widgetsSettled(page, timeout = 30000) {
  await page.waitForFunction(
    () => {
      const all = [...document.querySelectorAll('hubecon-view')];
      return all.length > 0 && all.every((w) => ['ready', 'error'].includes(w.getAttribute('data-state')));
    },
    null,
    { timeout },
  );
}

/**
 * The set-up every browser test file shares: when a prerequisite is missing every test skips with
 * the reason; otherwise, before the tests, the fixtures are built, www/ is served and Chromium
 * started (then `onReady(browser)` runs), and after them both are closed. `env.server` and
 * `env.browser` are set once `before` has run.
 */
export function browserSuite({ onReady } = {}) {
  const skip = missingPrerequisite();
  if (skip) console.log(`# skipped: ${skip}`);
  const env = { server: null, browser: null };
  before(async () => {
    if (skip) return;
    ensureFixtures();
    env.server = await startServer();
    env.browser = await launchBrowser();
    await onReady?.(env.browser);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return { opts: skipUnless(skip), env };
}
