// A snapshot whose ids, authors, tags and countries are markup (`<img src=x onerror=…>`,
// `<script>…`, `<svg onload=…>`) is shown as text everywhere: no element is created from it and no
// script runs, in the widgets, the iframe page and the dashboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, screenshot, watch, widgetsSettled } from './helpers.mjs';

const { opts, env } = browserSuite({
  // Any alert() is a script that ran.
  onReady: (browser) =>
    browser.context.on('page', (page) => page.on('dialog', (d) => d.dismiss().catch(() => {}))),
});

/** Elements the payloads would create if inserted as HTML, across documents and shadow roots. */
async function injectedElements(frame) {
  return frame.evaluate(() => {
    const found = [];
    const visit = (root) => {
      for (const n of root.querySelectorAll('img[src="x"], script:not([src]), svg[onload], [onerror], [onload], b, i')) {
        if (n.tagName === 'SCRIPT' && /^application\/x-hubecon/.test(n.type)) continue;
        found.push(n.outerHTML.slice(0, 80));
      }
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    return found;
  });
}

async function allText(frame) {
  return frame.evaluate(() => {
    let text = '';
    const visit = (root) => {
      text += root.textContent || '';
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document.body);
    return text;
  });
}

function watchDialogs(page) {
  const dialogs = [];
  page.on('dialog', (d) => dialogs.push(d.message()));
  return dialogs;
}

test('widgets show the markup as text and run nothing', opts, async () => {
  // The race-data chart of this 4-model sample has a degenerate regression line; that console error
  // has its own test (widgets.test.mjs, "a tiny race sample"): here only injection is checked.
  const watcher = await watch(env.browser.context, { allow: [/<path> attribute d: Expected number, "M[\d.]+,NaN/] });
  const page = await env.browser.context.newPage();
  const dialogs = watchDialogs(page);
  await page.goto(env.server.url + 'e2e/xss-widgets.html');
  await widgetsSettled(page);
  // Open every table alternative so that its cells are rendered too.
  await page.evaluate(() => {
    for (const w of document.querySelectorAll('hubecon-view')) for (const d of w.shadowRoot.querySelectorAll('details')) d.open = true;
  });
  assert.deepEqual(await injectedElements(page), []);
  const text = await allText(page);
  assert.match(text, /<img src=x onerror=alert\(1\)>|<script>alert\(2\)<\/script>/, 'payload shown as text');
  assert.deepEqual(dialogs, []);
  await screenshot(page, 'xss-widgets');
  watcher.assertClean('with the XSS fixture (widgets)');
  await page.close();
});

test('embed.html shows the markup as text and runs nothing', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  const dialogs = watchDialogs(page);
  for (const view of ['info', 'leaderboard&level=model&no-window', 'leaderboard&level=country&no-window', 'mdi&unbounded&score-roots']) {
    await page.goto(`${env.server.url}embed.html?view=${view}&snapshot=/fixtures/xss.arrow`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    assert.deepEqual(await injectedElements(page), [], view);
  }
  assert.deepEqual(dialogs, []);
  watcher.assertClean('with the XSS fixture (embed)');
  await page.close();
});

test('the dashboard with the XSS snapshot opened through the picker runs nothing', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  const dialogs = watchDialogs(page);
  await page.goto(env.server.url + 'index.html');
  const input = page.locator('input[type="file"]').first();
  await input.waitFor({ state: 'attached' });
  const { FIXTURE_DIR } = await import('./helpers.mjs');
  await input.setInputFiles(`${FIXTURE_DIR}/xss.arrow`);
  // Let every view compute and draw.
  await page.waitForFunction(() => document.querySelectorAll('.hv-panel[data-state]').length > 3, null, { timeout: 60000 });
  await page.waitForTimeout(1500);
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  assert.deepEqual(await injectedElements(page), []);
  assert.deepEqual(dialogs, []);
  await screenshot(page, 'xss-dashboard');
  watcher.assertClean('with the XSS fixture (dashboard)');
  await page.close();
});
