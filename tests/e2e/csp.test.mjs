// The strict Content Security Policy: every shipped page states it in a <meta http-equiv>, ships no
// inline script or inline event handler, and raises no securitypolicyviolation while rendering every
// view (dashboard, widgets with style-src 'self', iframe page). Scripts contain no eval.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { browserSuite, screenshot, watch, widgetsSettled, WWW } from './helpers.mjs';

const { opts, env } = browserSuite();

function policyOf(html) {
  const m = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i);
  if (!m) return null;
  return Object.fromEntries(
    m[1]
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

const PAGES = fs.readdirSync(WWW).filter((f) => f.endsWith('.html'));

test('every shipped page states the strict policy and has no inline script or handler', () => {
  assert.ok(PAGES.includes('index.html'));
  for (const page of PAGES) {
    const html = fs.readFileSync(path.join(WWW, page), 'utf8');
    const policy = policyOf(html);
    assert.ok(policy, `${page}: no CSP meta`);
    assert.deepEqual(policy['script-src'].sort(), ["'self'", "'wasm-unsafe-eval'"].sort(), `${page}: script-src`);
    assert.ok(policy['object-src']?.includes("'none'"), `${page}: object-src 'none'`);
    assert.ok(!JSON.stringify(policy).includes('http'), `${page}: no remote origin in the policy (no CDN)`);
    // Styles are strict too: Plot's inline <style> is replaced by vendor/plot.css.
    assert.deepEqual(policy['style-src'], ["'self'"], `${page}: style-src`);
    assert.ok(!JSON.stringify(policy).includes('unsafe-inline'), `${page}: 'unsafe-inline'`);
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(m[1], /\bsrc=/, `${page}: inline <script>`);
      assert.equal(m[2].trim(), '', `${page}: script with a body`);
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${page}: inline event handler attribute`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${page}: a remote resource (no CDN)`);
  }
});

test('shipped scripts use no eval, new Function or string timers', () => {
  const files = [
    ...fs.readdirSync(WWW).filter((f) => f.endsWith('.js')),
    ...fs.readdirSync(path.join(WWW, 'vendor')).filter((f) => f.endsWith('.js')).map((f) => `vendor/${f}`),
  ];
  for (const f of files) {
    const code = fs.readFileSync(path.join(WWW, f), 'utf8');
    assert.doesNotMatch(code, /\beval\(/, `${f}: eval`);
    assert.doesNotMatch(code, /new Function\b/, `${f}: new Function`);
    assert.doesNotMatch(code, /set(Timeout|Interval)\(\s*['"`]/, `${f}: string timer`);
  }
});

test('every view renders in widgets under script-src/style-src self without a violation', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'e2e/two-widgets.html');
  await widgetsSettled(page);
  // Add one widget per view (DOM only: no script is injected into the page).
  await page.evaluate(() => {
    const views = ['leaderboard', 'map', 'shares', 'concentration', 'org-by-country', 'incidence', 'sizes', 'flows',
      'modality', 'trends', 'mdi', 'mdi-summary', 'race', 'race-data'];
    for (const view of views) {
      const w = document.createElement('hubecon-view');
      w.setAttribute('view', view);
      w.setAttribute('snapshot', '/fixtures/small.arrow');
      if (view === 'race' || view === 'race-data') w.setAttribute('min-siblings', '2');
      document.body.append(w);
    }
  });
  await widgetsSettled(page, 90000);
  const states = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('hubecon-view')].map((w) => [w.getAttribute('view') + (w.id ? `#${w.id}` : ''), w.dataset.state])),
  );
  console.log('# widget states:', JSON.stringify(states));
  await page.setViewportSize({ width: 1100, height: 900 });
  await screenshot(page, 'csp-all-views-widgets');
  await page.screenshot({ path: path.join(path.dirname(WWW), 'artifacts', 'e2e', 'csp-all-views-widgets-full.png'), fullPage: true });
  watcher.assertClean('rendering every view in widgets');
  await page.close();
});

test('the dashboard and the iframe page raise no violation', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'index.html?snapshot=fixtures/small.arrow');
  await page.waitForFunction(
    () => {
      const panels = [...document.querySelectorAll('.hv-panel')];
      return panels.length > 5 && panels.every((p) => p.dataset.state === 'ok' || p.dataset.state === 'error');
    },
    null,
    { timeout: 90000 },
  );
  await page.waitForTimeout(1000);
  await page.goto(env.server.url + 'embed.html?view=concentration&level=developer&snapshot=/fixtures/small.arrow');
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  await screenshot(page, 'csp-embed');
  watcher.assertClean('on the dashboard and embed.html');
  await page.close();
});
