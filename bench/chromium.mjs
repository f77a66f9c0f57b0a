// The wasm benchmark in headless Chromium:
//   node bench/chromium.mjs SNAPSHOT.arrow [RUNS] [OUT.json|-] [QUERIES.json]
// Serves the repository on 127.0.0.1 (a free port; the snapshot must lie inside the repository),
// opens bench/browser.html in /usr/bin/chromium through playwright-core and prints the result.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [snapshotPath, runsArg, outPath, queriesPath] = process.argv.slice(2);
if (!snapshotPath) {
  console.error('usage: node bench/chromium.mjs SNAPSHOT.arrow [RUNS] [OUT.json|-] [QUERIES.json]');
  process.exit(2);
}
const inRepo = (file) => {
  const rel = path.relative(root, path.resolve(file));
  if (rel.startsWith('..')) throw new Error(`${file} is not inside ${root}`);
  return '/' + rel.split(path.sep).join('/');
};
const snapshotUrl = inRepo(snapshotPath);
const queriesUrl = inRepo(queriesPath || path.join(root, 'bench/queries.json'));

// python3 -m http.server on a free port; its first line names the port it took.
const server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the http server did not start')), 10000);
  server.stdout.on('data', (chunk) => {
    const m = /port (\d+)/.exec(String(chunk));
    if (m) {
      clearTimeout(timer);
      resolve(Number(m[1]));
    }
  });
  server.on('exit', (code) => reject(new Error(`the http server exited (${code})`)));
});

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hubecon-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let exitCode = 0;
try {
  const page = await context.newPage();
  page.on('console', (msg) => console.error(`  chromium: ${msg.text()}`));
  page.on('pageerror', (e) => console.error(`  chromium page error: ${e.message}`));
  const url = `http://127.0.0.1:${port}/bench/browser.html?snapshot=${encodeURIComponent(snapshotUrl)}` +
    `&queries=${encodeURIComponent(queriesUrl)}&runs=${Number(runsArg || 3)}`;
  await page.goto(url);
  await page.waitForFunction(() => window.hubeconBench || window.hubeconBenchError, null, { timeout: 0, polling: 500 });
  const error = await page.evaluate(() => window.hubeconBenchError);
  if (error) throw new Error(error);
  const result = await page.evaluate(() => window.hubeconBench);
  result.runtime = `chromium ${context.browser()?.version() ?? ''} (${result.runtime})`;
  const text = JSON.stringify(result, null, 1);
  if (outPath && outPath !== '-') fs.writeFileSync(outPath, text);
  else console.log(text);
} catch (e) {
  console.error(`chromium benchmark failed: ${e.message}`);
  exitCode = 1;
} finally {
  await context.close();
  server.kill();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
