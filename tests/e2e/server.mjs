// A static file server for the e2e tests: node tests/e2e/server.mjs ROOT [/prefix=DIR ...]
// Listens on a free 127.0.0.1 port and prints {"port": N} as its first stdout line. GET/HEAD only,
// no directory listings; '/' serves index.html. Extra mounts map a URL prefix to another folder
// (the tests mount tests/fixtures and their own pages beside www/).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [root, ...mountArgs] = process.argv.slice(2);
if (!root) {
  console.error('usage: server.mjs ROOT [/prefix=DIR ...]');
  process.exit(2);
}
const mounts = mountArgs.map((arg) => {
  const [prefix, dir] = arg.split('=');
  return { prefix: prefix.replace(/\/$/, '') + '/', dir: path.resolve(dir) };
});
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

function resolve(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  let base = path.resolve(root);
  let rest = decoded;
  for (const m of mounts) {
    if (decoded.startsWith(m.prefix)) {
      base = m.dir;
      rest = decoded.slice(m.prefix.length - 1);
      break;
    }
  }
  const file = path.resolve(base, '.' + path.posix.normalize('/' + rest));
  if (!file.startsWith(base)) return null;
  return file.endsWith(path.sep) || rest.endsWith('/') ? path.join(file, 'index.html') : file;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  const url = new URL(req.url, 'http://127.0.0.1');
  const file = resolve(url.pathname);
  let stat;
  try {
    stat = file && fs.statSync(file);
  } catch {
    stat = null;
  }
  if (!stat || !stat.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(file).pipe(res);
});
// Ends with its parent: the parent holds our stdin open, and it closes when the parent dies.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
