// The dashboard: one tab per stage of the recipe. It says `ready`, then the extension replays the job's events.
// Each event goes to the one view that renders it; a tab never switches by itself when its content arrives.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { DashboardTab, HostToWebview, TrainerEvent } from '../src/core/protocol';
import { PendingBar } from './cleaner/pendingBar';
import { setCleanerState } from './cleaner/cleanerState';
import { DatasetView } from './datasetView';
import { el } from './dom';
import { EvaluationView } from './evaluationView';
import { GuidanceView } from './guidanceView';
import { LayersView } from './layersView';
import { PredictionsView } from './predictionsView';
import { TrainingView } from './trainingView';
import { loadState, onHostMessage, post, saveState } from './vscodeApi';

const dataset = new DatasetView();
const training = new TrainingView();
const layers = new LayersView();
const predictions = new PredictionsView();
const evaluation = new EvaluationView();
const guidance = new GuidanceView();
const cleanerBar = new PendingBar();

const tabs: { id: DashboardTab; label: string; body: HTMLElement }[] = [
  { id: 'dataset', label: 'Dataset', body: dataset.element },
  { id: 'training', label: 'Training', body: training.element },
  { id: 'layers', label: 'Layers', body: layers.element },
  { id: 'predictions', label: 'Predictions', body: predictions.element },
  { id: 'evaluation', label: 'Evaluation', body: evaluation.element },
  { id: 'guidance', label: 'Guidance', body: guidance.element },
];

const tabsEl = el('vscode-tabs', { 'aria-label': 'Dashboard views' });

function render(): void {
  tabsEl.setAttribute('selected-index', String(loadState().tab));
  for (const t of tabs) {
    tabsEl.append(el('vscode-tab-header', { slot: 'header', id: `tab-${t.id}` }, t.label));
    tabsEl.append(el('vscode-tab-panel', { id: `panel-${t.id}` }, t.body));
  }
  tabsEl.addEventListener('vsc-tabs-select', (e: Event) => {
    saveState({ tab: (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex });
  });
  const app = document.getElementById('app')!;
  app.replaceChildren(tabsEl, cleanerBar.element);
  app.setAttribute('aria-busy', 'false');
}

function route(event: TrainerEvent): void {
  switch (event.type) {
    case 'dataset': return dataset.show(event);
    case 'layers':
      // Remembered so that a window reload can bring this run back (the host replays it from its files).
      if (event.runDir) saveState({ runDir: event.runDir });
      return layers.show(event);
    case 'predictions': return predictions.show(event);
    case 'evaluation': return evaluation.show(event);
    case 'guidance': case 'curvePoint': case 'lrFind': return guidance.handle(event);
    default: return training.handle(event);
  }
}

/** Only the host brings a tab to the front (e.g. after "Show Grid"); content arriving never switches tabs. */
function showTab(tab: DashboardTab): void {
  const index = tabs.findIndex((t) => t.id === tab);
  if (index < 0) return;
  (tabsEl as HTMLElement & { selectedIndex: number }).selectedIndex = index;
  saveState({ tab: index });
}

function onMessage(message: HostToWebview): void {
  switch (message.type) {
    case 'reset':
      // A new job: the Training tab starts over; the other tabs keep their last content until it is replaced.
      training.reset(message.title);
      guidance.reset();
      return;
    case 'event': return route(message.event);
    case 'showTab': return showTab(message.tab);
    case 'cleaner': return setCleanerState(message.state);
  }
}

render();
onHostMessage(onMessage);
post({ type: 'ready' });
