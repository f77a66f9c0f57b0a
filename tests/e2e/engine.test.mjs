// www/engine.js, the shared loader: progress events, one fetch per URL, clear errors for HTTP
// failures, network failures, bad bytes and newer formats; listSnapshots reads snapshots.json
// defensively.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { browserSuite, FIXTURE_DIR, watch } from './helpers.mjs';

const { opts, env } = browserSuite();

test('progress goes fetch 0 → total, then decode; concurrent callers share one fetch', opts, async () => {
  const watcher = await watch(env.browser.context);
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'e2e/blank.html');
  const result = await page.evaluate(async () => {
    const engine = await import('/engine.js');
    const events = [];
    const late = [];
    const a = engine.loadSnapshot('/fixtures/small.arrow', { onProgress: (e) => events.push(e) });
    const b = engine.loadSnapshot(new URL('/fixtures/small.arrow', location.href).href, { onProgress: (e) => late.push(e) });
    const [ha, hb] = await Promise.all([a, b]);
    const again = await engine.loadSnapshot('/fixtures/small.arrow');
    return {
      events,
      lateCount: late.length,
      same: ha === hb && hb === again,
      models: ha.info.models,
      fetches: performance.getEntriesByName('hubecon:snapshot-fetch', 'mark').length,
      decodes: performance.getEntriesByName('hubecon:snapshot-decode', 'mark').length,
      rows: ha.engine.report('info', {}).rows.length,
    };
  });
  const size = fs.statSync(path.join(FIXTURE_DIR, 'small.arrow')).size;
  const fetchEvents = result.events.filter((e) => e.phase === 'fetch');
  const decodeEvents = result.events.filter((e) => e.phase === 'decode');
  assert.deepEqual(fetchEvents[0], { phase: 'fetch', loaded: 0, total: size });
  assert.deepEqual(fetchEvents[fetchEvents.length - 1], { phase: 'fetch', loaded: size, total: size });
  for (let i = 1; i < fetchEvents.length; i++) assert.ok(fetchEvents[i].loaded >= fetchEvents[i - 1].loaded);
  assert.deepEqual(decodeEvents[decodeEvents.length - 1], { phase: 'decode', loaded: size, total: size });
  assert.equal(result.events.findIndex((e) => e.phase === 'decode'), fetchEvents.length, 'decode after fetch');
  assert.ok(result.lateCount > 0, 'the second caller got progress too');
  assert.equal(result.same, true, 'one handle for one URL');
  assert.equal(result.models, 2000);
  assert.equal(result.fetches, 1);
  assert.equal(result.decodes, 1);
  assert.equal(result.rows, 1);
  watcher.assertClean();
  await page.close();
});

test('errors name what failed and a failed load can be retried', opts, async () => {
  const watcher = await watch(env.browser.context, {
    allow: [/Failed to load resource.*(404|ERR_CONNECTION_REFUSED)/],
  });
  // A port nobody listens on: taken from the OS, then closed.
  const closedPort = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'e2e/blank.html');
  const messages = await page.evaluate(async (closedPort) => {
    const engine = await import('/engine.js');
    const message = (p) => p.then(() => 'resolved', (e) => e.message);
    const file = new File([new Uint8Array([1, 2, 3])], 'tiny.arrow');
    return {
      http: await message(engine.loadSnapshot('/fixtures/nope.arrow')),
      network: await message(engine.loadSnapshot(`http://127.0.0.1:${closedPort}/x.arrow`)),
      corrupt: await message(engine.loadSnapshot('/fixtures/corrupt.arrow')),
      garbage: await message(engine.loadSnapshot('/fixtures/garbage.arrow')),
      newer: await message(engine.loadSnapshot('/fixtures/newer-format.arrow')),
      file: await message(engine.loadSnapshot(file)),
      empty: await message(engine.loadSnapshot('')),
      embedded: await message(engine.loadSnapshot('embedded:none')),
      retry: await message(engine.loadSnapshot('/fixtures/nope.arrow')),
      fetchesOfMissing: performance
        .getEntriesByName('hubecon:snapshot-fetch', 'mark')
        .filter((m) => m.detail.url.endsWith('/nope.arrow')).length,
    };
  }, closedPort);
  assert.equal(messages.http, 'could not fetch snapshot nope.arrow: HTTP 404 Not Found');
  assert.equal(messages.network, 'could not fetch snapshot x.arrow: network error (offline, blocked, or the server is down)');
  assert.match(messages.corrupt, /^snapshot corrupt\.arrow: not a readable snapshot: /);
  assert.match(messages.garbage, /^snapshot garbage\.arrow: not a readable snapshot: /);
  assert.equal(
    messages.newer,
    'snapshot newer-format.arrow: snapshot format version 99 is newer than this hubecon reads (up to 1); update hubecon',
  );
  assert.match(messages.file, /^snapshot tiny\.arrow: not a readable snapshot: /);
  assert.equal(messages.empty, 'no snapshot given');
  assert.equal(messages.embedded, 'no snapshot named none is embedded in this page');
  assert.equal(messages.retry, messages.http);
  assert.equal(messages.fetchesOfMissing, 2, 'a failed load is not cached');
  watcher.assertClean();
  await page.close();
});

test('listSnapshots reads the list defensively and marks one default', opts, async () => {
  const watcher = await watch(env.browser.context, { allow: [/Failed to load resource.*404/] });
  const page = await env.browser.context.newPage();
  await page.goto(env.server.url + 'e2e/blank.html');
  const lists = await page.evaluate(async () => {
    const engine = await import('/engine.js');
    return {
      missing: await engine.listSnapshots('/fixtures/no-list.json'),
      site: await engine.listSnapshots('/snapshots.json'),
    };
  });
  assert.deepEqual(lists.missing.snapshots, []);
  assert.equal(lists.missing.error, 'could not read the snapshot list /fixtures/no-list.json: HTTP 404');
  if (fs.existsSync(path.join(path.dirname(FIXTURE_DIR), '..', 'www', 'snapshots.json'))) {
    assert.ok(lists.site.snapshots.length > 0);
    assert.equal(lists.site.snapshots.filter((s) => s.default).length, 1);
    for (const s of lists.site.snapshots) assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/.+\.arrow$/);
  }
  watcher.assertClean();
  await page.close();
});
