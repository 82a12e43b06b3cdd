// The dashboard: one tab per stage of the recipe. It says `ready`, then the extension replays the job's events.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { HostToWebview } from '../src/core/protocol';
import { el, emptyState } from './dom';
import { TrainingView } from './trainingView';
import { loadState, onHostMessage, post, saveState } from './vscodeApi';

const training = new TrainingView();

const tabs: { id: string; label: string; body: HTMLElement }[] = [
  { id: 'dataset', label: 'Dataset', body: emptyState('database', 'No dataset report yet', 'Prepare a dataset to see its layout, split counts, sample images and health findings here.') },
  { id: 'training', label: 'Training', body: training.element },
  { id: 'layers', label: 'Layers', body: emptyState('layers', 'No model yet', 'Train a feature extractor to see the backbone’s layers and choose where fine-tuning starts.') },
  { id: 'predictions', label: 'Predictions', body: emptyState('symbol-misc', 'No predictions yet', 'Predict a test folder or evaluate a run to see image grids with probabilities.') },
  { id: 'evaluation', label: 'Evaluation', body: emptyState('graph', 'No evaluation yet', 'Evaluate a run to see its confusion matrix, per-class metrics and top losses.') },
  { id: 'guidance', label: 'Guidance', body: emptyState('lightbulb', 'No advice yet', 'Run a learning-curve diagnosis to see what limits your model and what to try next.') },
];

function render(): void {
  const state = loadState();
  const tabsEl = el('vscode-tabs', { 'selected-index': String(state.tab), 'aria-label': 'Dashboard views' });
  for (const t of tabs) {
    tabsEl.append(el('vscode-tab-header', { slot: 'header', id: `tab-${t.id}` }, t.label));
    tabsEl.append(el('vscode-tab-panel', { id: `panel-${t.id}` }, t.body));
  }
  tabsEl.addEventListener('vsc-tabs-select', (e: Event) => {
    saveState({ tab: (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex });
  });
  const app = document.getElementById('app')!;
  app.replaceChildren(tabsEl);
  app.setAttribute('aria-busy', 'false');
}

function onMessage(message: HostToWebview): void {
  if (message.type === 'reset') training.reset(message.title);
  else training.handle(message.event);
}

render();
onHostMessage(onMessage);
post({ type: 'ready' });
