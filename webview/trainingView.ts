// The Training tab: engine, phase progress with ETA, live accuracy and loss curves, and Cancel.
import type { EngineEvent, ProgressEvent, TrainerEvent } from '../src/core/protocol';
import { CurveChart } from './curves';
import { codicon, el } from './dom';
import { post } from './vscodeApi';

function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  return seconds < 60 ? `about ${Math.ceil(seconds)} s left` : `about ${Math.ceil(seconds / 60)} min left`;
}

export class TrainingView {
  readonly element: HTMLElement;
  private readonly engine = el('div', { class: 'engine', role: 'status' }, 'Engine: not started yet');
  private readonly phase = el('span', { class: 'phase' }, 'Idle');
  private readonly etaText = el('span', { class: 'eta' });
  private readonly bar = el('vscode-progress-bar', { 'aria-label': 'job progress', value: '0', max: '100' });
  private readonly cancel = el(
    'vscode-button',
    { secondary: '', 'aria-label': 'Cancel the running job', disabled: '' },
    'Cancel',
  );
  private readonly acc = new CurveChart('acc', 'Accuracy');
  private readonly loss = new CurveChart('loss', 'Loss');
  private readonly title = el('h2', {}, 'No job yet');

  constructor() {
    this.cancel.addEventListener('click', () => post({ type: 'cancel' }));
    this.element = el(
      'section',
      { class: 'training' },
      el('header', { class: 'view-header' }, this.title, this.cancel),
      this.engine,
      el('div', { class: 'progress' }, el('div', { class: 'progress-label' }, this.phase, this.etaText), this.bar),
      el('div', { class: 'curves' }, this.acc.element, this.loss.element),
    );
  }

  reset(title: string): void {
    this.title.textContent = title || 'No job yet';
    this.phase.textContent = title ? 'Starting…' : 'Idle';
    this.etaText.textContent = '';
    this.bar.setAttribute('value', '0');
    this.cancel.toggleAttribute('disabled', !title);
    this.acc.clear();
    this.loss.clear();
  }

  handle(event: TrainerEvent): void {
    if (event.type === 'engine') this.showEngine(event);
    else if (event.type === 'progress') this.showProgress(event);
    else if (event.type === 'epoch') {
      this.acc.add(event);
      this.loss.add(event);
      // Epochs may stream without progress events: say where training is rather than keep a finished phase's count.
      this.phase.textContent = `${event.stage} epoch ${event.epoch}: val_acc ${event.valAcc.toFixed(3)}, val_loss ${event.valLoss.toFixed(3)}`;
      this.etaText.textContent = '';
    } else if (event.type === 'done' || event.type === 'error') {
      this.cancel.setAttribute('disabled', '');
      this.phase.textContent = event.type === 'done' ? 'Finished' : `Stopped: ${event.message}`;
      this.etaText.textContent = '';
    }
  }

  private showEngine(e: EngineEvent): void {
    this.engine.replaceChildren(
      codicon(e.slowPath ? 'warning' : 'zap'),
      ` Engine: ${e.engine}${e.version ? ` ${e.version}` : ''}`,
      ...(e.slowPath
        ? [
            el(
              'span',
              { class: 'warning-text' },
              ' — no native TensorFlow here; training runs from cached activations on the CPU.',
            ),
          ]
        : []),
      ...(e.note ? [el('span', {}, ` — ${e.note}`)] : []),
    );
    this.engine.classList.toggle('slow', e.slowPath);
  }

  private showProgress(e: ProgressEvent): void {
    this.phase.textContent = e.total > 0 ? `${e.phase}: ${e.done} / ${e.total}` : e.phase;
    this.etaText.textContent = eta(e.etaSeconds);
    this.bar.setAttribute('value', String(e.total > 0 ? Math.round((100 * e.done) / e.total) : 0));
  }
}
