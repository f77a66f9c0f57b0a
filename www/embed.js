// The iframe fallback: embed.html?view=…&snapshot=…&<options>. Renders one view with the same
// renderer as the dashboard and the widgets, and tells the parent page its height:
//   parent.postMessage({type: 'hubecon-height', height}, '*')
// A host page resizes the iframe with, for example:
//   addEventListener('message', (e) => { if (e.data?.type === 'hubecon-height' && e.source ===
//     frame.contentWindow) frame.style.height = e.data.height + 'px'; });

import { errorMessage, listSnapshots, loadSnapshot, useSmallEngine } from './engine.js';
import { renderView } from './views.js';

// One view needs no Arrow writer and little speed: the engine's small build downloads a third as much.
useSmallEngine();

const NOT_OPTIONS = new Set(['view', 'snapshot', 'title', 'theme']);
const status = document.getElementById('embed-status');
const container = document.getElementById('embed-view');

let lastHeight = -1;
function postHeight() {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight || window.parent === window) return;
  lastHeight = height;
  // The height is not a secret and the host's origin is unknown in advance: '*' is intended.
  window.parent.postMessage({ type: 'hubecon-height', height }, '*');
}
new ResizeObserver(postHeight).observe(document.documentElement);

function showStatus(text, progress) {
  status.replaceChildren(document.createTextNode(text));
  if (progress) {
    const bar = document.createElement('progress');
    bar.max = 1;
    if (progress.total) bar.value = Math.min(1, progress.loaded / progress.total);
    else bar.removeAttribute('value');
    status.append(bar);
  }
  status.hidden = false;
}

function showError(message) {
  const box = document.createElement('p');
  box.className = 'embed-error';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  status.hidden = true;
  container.replaceChildren(box);
  document.body.dataset.state = 'error';
  postHeight();
}

async function main() {
  const params = new URLSearchParams(location.search);
  const theme = params.get('theme');
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
  const view = params.get('view') || 'info';
  const options = {};
  for (const [name, value] of params) {
    if (!NOT_OPTIONS.has(name)) options[name] = value === '' ? true : value;
  }
  document.body.dataset.state = 'loading';
  let snapshot;
  try {
    let source = params.get('snapshot');
    if (!source) {
      const { snapshots, error } = await listSnapshots();
      const chosen = snapshots.find((s) => s.default) || snapshots[0];
      if (!chosen) throw new Error(error || 'no snapshot given (add &snapshot=… to the address)');
      source = chosen.url;
    }
    snapshot = await loadSnapshot(source, {
      onProgress: (p) =>
        showStatus(p.phase === 'fetch' ? 'Downloading the snapshot…' : 'Reading the snapshot…', p),
    });
  } catch (e) {
    showError(errorMessage(e));
    return;
  }
  status.hidden = true;
  let result;
  try {
    result = await renderView(container, {
      engine: snapshot.engine,
      view,
      options,
      info: snapshot.info,
      snapshotUrl: snapshot.url,
      title: params.get('title') || undefined,
    });
  } catch (e) {
    result = { ok: false, error: errorMessage(e) };
  }
  if (result?.ok === false && !container.childElementCount) showError(result.error || 'the view could not be drawn');
  document.body.dataset.state = result?.ok === false ? 'error' : 'ready';
  postHeight();
}

main();
