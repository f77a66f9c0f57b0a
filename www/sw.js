// The service worker: after a first visit the site keeps working offline (any http origin,
// 127.0.0.1 included). Registered by engine.js registerOffline().
//
// - install: the shell (pages, scripts, styles, vendor files, both wasm builds, snapshots.json) is
//   put in the cache; files that are missing are skipped, so one absent file never blocks the worker.
// - fetch (same-origin GET): network first, so a rebuilt site shows up at once when online, and the
//   response is stored; when the network fails the cached copy answers. Pages are matched without
//   their query string (a permalink reopens offline).
// - snapshots (*.arrow) opened by the page are kept in their own cache (the last
//   MAX_CACHED_SNAPSHOTS stored); the page also sends
//   {type: 'hubecon-cache', urls} for snapshots it fetched before this worker took control.

const VERSION = 'v1';
const SHELL_CACHE = `hubecon-shell-${VERSION}`;
const SNAPSHOT_CACHE = `hubecon-snapshots-${VERSION}`;
const SHELL = [
  './',
  'index.html',
  'app.js',
  'views.js',
  'engine.js',
  'style.css',
  'theme.css',
  'hubecon-widget.js',
  'hubecon-widget.min.js',
  'embed.html',
  'embed.js',
  'embed.css',
  'snapshots.json',
  'vendor/plot.js',
  'vendor/plot.css',
  'vendor/topojson.js',
  'vendor/countries-110m.json',
  'pkg/hubecon.js',
  'pkg/hubecon_bg.wasm',
  'pkg/hubecon_widget.js', // the small build, used by embed.html and the widgets
  'pkg/hubecon_widget_bg.wasm',
];

function isSnapshot(url) {
  return url.pathname.endsWith('.arrow');
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await Promise.all(
        SHELL.map(async (path) => {
          try {
            const response = await fetch(new Request(path, { cache: 'no-cache' }));
            if (response.ok) await cache.put(path, response);
          } catch {
            // Missing or unreachable: cached later when the page asks for it.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('hubecon-') && name !== SHELL_CACHE && name !== SNAPSHOT_CACHE) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

// Snapshots can be tens of megabytes: the cache keeps the most recently stored few and drops the
// oldest (the Cache API lists keys in the order they were stored).
const MAX_CACHED_SNAPSHOTS = 4;
async function trimSnapshots(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_CACHED_SNAPSHOTS))) await cache.delete(key);
}

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) {
      // Stored in the background: the page streams the body (and its progress) meanwhile.
      cache
        .put(request, response.clone())
        .then(() => (cacheName === SNAPSHOT_CACHE ? trimSnapshots(cache) : undefined))
        .catch(() => {});
    }
    return response;
  } catch (error) {
    const ignoreSearch = request.mode === 'navigate';
    const cached =
      (await cache.match(request, { ignoreSearch })) ||
      (request.mode === 'navigate' ? await cache.match('index.html') : undefined);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.headers.has('range')) return; // partial responses are not cached
  event.respondWith(networkFirst(request, isSnapshot(url) ? SNAPSHOT_CACHE : SHELL_CACHE));
});

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'hubecon-cache' || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SNAPSHOT_CACHE);
      for (const raw of data.urls) {
        let url;
        try {
          url = new URL(raw, self.location.href);
        } catch {
          continue;
        }
        if (url.origin !== self.location.origin) continue;
        if (await cache.match(url.href)) continue;
        try {
          // Usually answered from the HTTP cache: the page has just downloaded it.
          const response = await fetch(url.href);
          if (response.ok) {
            await cache.put(url.href, response);
            await trimSnapshots(cache);
          }
        } catch {
          // Offline already: nothing to add.
        }
      }
    })(),
  );
});
