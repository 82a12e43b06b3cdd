// The prediction preview: one image with the chosen run's probabilities as bars and its Grad-CAM overlay, or a grid
// of images (Classify with Transfer Lab). It says `ready`, then renders each state the extension sends. The toolbar
// (run picker, heatmap toggle, opacity) is built once, so a new state never takes the keyboard focus away from it.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { PreviewState, PreviewStatus } from '../../src/core/previewProtocol';
import { codicon, el } from '../dom';
import { gridView, singleView } from './previewViews';
import { loadState, onHostMessage, post, saveState } from './previewApi';

const root = document.getElementById('app')!;
const title = el('h2', { class: 'preview-title' });
const runPicker = el('vscode-single-select', { 'aria-label': 'Run that classifies', class: 'run-picker' });
const heatmap = el('vscode-checkbox', { label: 'Heatmap', 'aria-label': 'Show the Grad-CAM heatmap', class: 'heatmap-toggle' });
const opacity = el('input', {
  type: 'range', min: '0', max: '1', step: '0.05', class: 'opacity', 'aria-label': 'Heatmap opacity',
});
const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
const body = el('div', { class: 'preview-body' });
let shownKey = '';
let shownRuns = '';

function buildToolbar(): HTMLElement {
  const ui = loadState();
  heatmap.toggleAttribute('checked', ui.heatmap);
  opacity.value = String(ui.opacity);
  applyUi();
  heatmap.addEventListener('change', () => {
    saveState({ heatmap: (heatmap as HTMLElement & { checked: boolean }).checked });
    applyUi();
  });
  opacity.addEventListener('input', () => {
    saveState({ opacity: Number(opacity.value) });
    applyUi();
  });
  runPicker.addEventListener('change', () => {
    const runDir = (runPicker as HTMLElement & { value: string }).value;
    if (runDir) post({ type: 'chooseRun', runDir });
  });
  return el(
    'header',
    { class: 'preview-header' },
    title,
    el(
      'div',
      { class: 'toolbar' },
      el('label', { class: 'run-label' }, el('span', { class: 'muted' }, 'Run'), runPicker),
      heatmap,
      el('label', { class: 'opacity-label' }, el('span', { class: 'muted' }, 'Opacity'), opacity),
    ),
  );
}

/** The toggles act on the page's classes and variables: no image is loaded again when they change. */
function applyUi(): void {
  const ui = loadState();
  document.body.classList.toggle('heatmap-off', !ui.heatmap);
  document.body.style.setProperty('--overlay-opacity', String(ui.opacity));
  opacity.disabled = !ui.heatmap;
}

function renderRuns(state: PreviewState): void {
  const key = JSON.stringify([state.runs, state.runDir]);
  if (key === shownRuns) return;
  shownRuns = key;
  runPicker.replaceChildren(
    ...state.runs.map((r) => {
      const option = el('vscode-option', { value: r.runDir, description: r.description }, r.label);
      option.toggleAttribute('selected', r.runDir === state.runDir);
      return option;
    }),
  );
  runPicker.toggleAttribute('disabled', state.runs.length === 0);
  if (state.runDir) (runPicker as HTMLElement & { value: string }).value = state.runDir;
}

function renderStatus(s: PreviewStatus): void {
  status.className = `status status-${s.kind}`;
  switch (s.kind) {
    case 'running':
      status.replaceChildren(el('vscode-progress-ring', { 'aria-label': 'Classifying' }), el('span', {}, s.message));
      return;
    case 'done':
      status.replaceChildren(
        el('span', { class: 'muted' }, `Grad-CAM of ${s.layer} · ${s.seconds.toFixed(1)} s`),
      );
      return;
    case 'no-runs':
      status.replaceChildren(codicon('info'), el('span', {}, s.message));
      return;
    case 'error': {
      const retry = el('vscode-button', { icon: 'refresh', secondary: '', 'aria-label': 'Classify again' }, 'Retry');
      retry.addEventListener('click', () => post({ type: 'retry' }));
      status.replaceChildren(
        codicon('error'),
        el('div', { class: 'status-text' }, el('div', {}, s.message), ...(s.hint ? [el('div', { class: 'muted' }, s.hint)] : [])),
        retry,
      );
      return;
    }
  }
}

function render(state: PreviewState): void {
  title.replaceChildren(
    codicon(state.mode === 'single' ? 'file-media' : 'files'),
    el('span', {}, state.title),
  );
  renderRuns(state);
  renderStatus(state.status);
  // Images are rebuilt only when what they show changed; progress alone leaves them (and their decode) in place.
  const key = JSON.stringify([state.mode, state.classes, state.images, state.skipped]);
  if (key !== shownKey) {
    shownKey = key;
    body.replaceChildren(state.mode === 'single' ? singleView(state) : gridView(state));
  }
  root.setAttribute('aria-busy', String(state.status.kind === 'running'));
}

root.replaceChildren(buildToolbar(), status, body);
onHostMessage((message) => {
  if (message.type === 'state') render(message.state);
});
post({ type: 'ready' });
