// The service worker: after one visit of the dashboard, a second visit works with the server
// stopped (page, scripts, vendor files, wasm and the opened snapshot all come from its caches).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, launchBrowser, screenshot, startServer, watch } from './helpers.mjs';

const { opts, env } = browserSuite();

const PAGE = 'index.html?snapshot=fixtures/small.arrow';

/** Waits until the dashboard's view boxes are all drawn and their number has stopped changing. */
async function panelsDrawn(page) {
  let last = -1;
  for (let i = 0; i < 240; i++) {
    const { count, settled } = await page.evaluate(() => {
      const panels = [...document.querySelectorAll('.hv-panel')];
      return {
        count: panels.length,
        settled: panels.every((p) => p.dataset.state === 'ok' || p.dataset.state === 'error'),
      };
    });
    if (count > 0 && settled && count === last) return count;
    last = settled ? count : -1;
    await page.waitForTimeout(500);
  }
  throw new Error('the dashboard views did not settle within 2 minutes');
}

test('the dashboard works offline after a first visit (server stopped)', opts, async () => {
  const { context } = env.browser;
  const first = await context.newPage();
  const firstWatch = await watch(context);
  await first.goto(env.server.url + PAGE);
  const onlinePanels = await panelsDrawn(first);
  // The worker took control and holds the shell, the wasm and the snapshot.
  await first.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  await first.waitForFunction(
    async () => {
      const has = async (cacheName, path) => {
        const cache = await caches.open(cacheName);
        return !!(await cache.match(new URL(path, location.href).href));
      };
      const names = await caches.keys();
      const shell = names.find((n) => n.startsWith('hubecon-shell-'));
      const snaps = names.find((n) => n.startsWith('hubecon-snapshots-'));
      return (
        shell &&
        snaps &&
        (await has(shell, 'pkg/hubecon_bg.wasm')) &&
        (await has(shell, 'vendor/plot.js')) &&
        (await has(snaps, 'fixtures/small.arrow'))
      );
    },
    null,
    { timeout: 20000, polling: 250 },
  );
  const onlineText = await first.locator('#views').textContent();
  firstWatch.assertClean('on the first (online) visit');
  await first.close();

  await env.server.stop();
  assert.throws(() => process.kill(env.server.pid, 0), 'the server is stopped');
  const offlineWatch = await watch(context);
  const second = await context.newPage();
  const response = await second.goto(env.server.url + PAGE);
  assert.ok(response.ok(), 'the page came from the service worker');
  const offlinePanels = await panelsDrawn(second);
  const offlineText = await second.locator('#views').textContent();
  assert.ok(offlineText.length > 100);
  // The same views with the same numbers as online.
  assert.equal(offlinePanels, onlinePanels);
  assert.equal(offlineText.replace(/\d+(\.\d+)? ?ms/g, ''), onlineText.replace(/\d+(\.\d+)? ?ms/g, ''));
  await screenshot(second, 'offline-second-visit');
  offlineWatch.assertClean('on the offline visit');
  await second.close();
});

test('the widget demo page works offline too once the dashboard installed the worker', opts, async () => {
  // A second, fresh profile: first visit online, then the browser is switched offline.
  const server2 = await startServer();
  const other = await launchBrowser();
  try {
    const { context } = other;
    const page = await context.newPage();
    await page.goto(server2.url + PAGE);
    await panelsDrawn(page);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
    // The demo page and the widget script are fetched once online (and so cached by the worker).
    await page.goto(server2.url + 'widgets-demo.html');
    await page.waitForFunction(
      () => [...document.querySelectorAll('hubecon-view')].every((w) => ['ready', 'error'].includes(w.dataset.state)),
      null,
      { timeout: 60000 },
    );
    const online = await page.evaluate(() => [...document.querySelectorAll('hubecon-view')].map((w) => w.dataset.state));
    await context.setOffline(true);
    const watcher = await watch(context);
    await page.reload();
    await page.waitForFunction(
      () => {
        const all = [...document.querySelectorAll('hubecon-view')];
        return all.length === 2 && all.every((w) => ['ready', 'error'].includes(w.dataset.state));
      },
      null,
      { timeout: 60000 },
    );
    const offline = await page.evaluate(() => [...document.querySelectorAll('hubecon-view')].map((w) => w.dataset.state));
    assert.deepEqual(offline, online);
    await screenshot(page, 'offline-widgets-demo');
    watcher.assertClean('on the widget demo offline');
  } finally {
    await other.close();
    await server2.stop();
  }
});
