// Test host of the iframe fallback: records every height message and applies it to the frame.
const frame = document.getElementById('frame');
const heights = [];
addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || event.data?.type !== 'hubecon-height') return;
  heights.push(event.data.height);
  frame.height = String(event.data.height);
  document.body.dataset.heights = heights.join(',');
});
