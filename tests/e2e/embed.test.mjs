// The iframe fallback (embed.html): renders a view from its query string and posts its height to the
// parent, which resizes the frame; a bad snapshot shows its error inside the frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, screenshot, watch } from './helpers.mjs';

const { opts, env } = browserSuite();

test('embed.html in an iframe renders and tells the parent its height', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'e2e/embed-host.html');
  const frame = page.frameLocator('#frame');
  await frame.locator('body[data-state="ready"], body[data-state="error"]').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.body.dataset.heights);
  // The frame may grow again after its first drawing (late legends): wait until what it posted
  // last matches its content height, then check the host applied it.
  let last = 0;
  let inner = -1;
  for (let tries = 0; tries < 50 && inner !== last; tries++) {
    if (tries) await page.waitForTimeout(200);
    const heights = (await page.evaluate(() => document.body.dataset.heights)).split(',').map(Number);
    last = heights[heights.length - 1];
    inner = await frame.locator('html').evaluate((n) => Math.ceil(n.getBoundingClientRect().height));
  }
  assert.ok(last > 100, `posted height ${last}`);
  assert.equal(inner, last);
  assert.equal(await page.locator('#frame').getAttribute('height'), String(last));
  const text = await frame.locator('#embed-view').textContent();
  assert.match(text, /Leaderboard/i);
  await screenshot(page, 'embed-iframe');
  watcher.assertClean('in the iframe host');
  await page.close();
});

test('embed.html shows the view info with the default options and a clear error for a bad snapshot', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'embed.html?view=info&snapshot=/fixtures/small.arrow&theme=dark');
  await page.waitForSelector('body[data-state="ready"]');
  assert.match(await page.locator('#embed-view').textContent(), /2,000|2000/);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await screenshot(page, 'embed-info-dark');
  await page.goto(env.server.url + 'embed.html?view=info&snapshot=/fixtures/corrupt.arrow');
  await page.waitForSelector('body[data-state="error"]');
  assert.match(await page.locator('[role="alert"]').first().textContent(), /snapshot corrupt\.arrow: /);
  await screenshot(page, 'embed-corrupt');
  watcher.assertClean('on embed.html');
  await page.close();
});
