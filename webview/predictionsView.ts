// The Predictions tab: the test grid ("dog 0.97") above the validation grid ("predicted (true)", right and wrong
// marked, with a "wrong only" filter). Each grid is replaced by the next event of its kind.
import type { GridItem, PredictionsEvent } from '../src/core/protocol';
import { cleanable } from './cleaner/cleanableTile';
import { baseName, el, emptyState, fmtInt } from './dom';
import { heatmapToggle, offerHeatmap } from './heatmapToggle';
import { heatmapAndScores, imageGrid, imageTile } from './imageTile';
import { loadState, saveState } from './vscodeApi';

const isWrong = (i: GridItem) => i.truth !== undefined && i.truth !== i.label;

export class PredictionsView {
  private readonly empty = emptyState(
    'symbol-misc',
    'No predictions yet',
    'Predict a test folder or evaluate a run to see image grids with probabilities.',
  );
  private readonly val = el('section', {
    class: 'predictions-val',
    'aria-label': 'Validation predictions',
    hidden: '',
  });
  private readonly test = el('section', { class: 'predictions-test', 'aria-label': 'Test predictions', hidden: '' });
  readonly element = el('div', { class: 'predictions' }, this.empty, this.test, this.val);
  private valEvent: PredictionsEvent | undefined;
  private readonly testHeatmap = heatmapToggle();
  private readonly valHeatmap = heatmapToggle();
  private readonly wrongOnly = el('vscode-checkbox', {
    label: 'Wrong only',
    'aria-label': 'Show only wrong predictions',
  });

  constructor() {
    this.wrongOnly.toggleAttribute('checked', loadState().wrongOnly === true);
    this.wrongOnly.addEventListener('change', () => {
      saveState({ wrongOnly: this.isWrongOnly() });
      this.renderVal();
    });
  }

  show(e: PredictionsEvent): void {
    this.empty.hidden = true;
    if (e.kind === 'val') {
      this.valEvent = e;
      this.renderVal();
    } else {
      this.test.hidden = false;
      offerHeatmap(this.testHeatmap, e.items);
      this.test.replaceChildren(
        el(
          'header',
          { class: 'view-header' },
          el('h2', {}, 'Test predictions', runName(e)),
          el(
            'div',
            { class: 'toolbar' },
            el('span', { class: 'muted' }, `${fmtInt(e.items.length)} images`),
            this.testHeatmap,
          ),
        ),
        imageGrid(
          'Test images with their predicted label and probability',
          e.items.map((i) =>
            imageTile({
              file: i.file,
              thumbnail: i.thumbnail,
              caption: `${i.label} ${i.probability.toFixed(2)}`,
              label: `predicted ${i.label} with probability ${i.probability.toFixed(2)}`,
              ...heatmapAndScores(e, i),
            }),
          ),
        ),
      );
    }
  }

  private isWrongOnly(): boolean {
    return (this.wrongOnly as HTMLElement & { checked?: boolean }).checked === true;
  }

  private renderVal(): void {
    const e = this.valEvent;
    if (!e) return;
    this.val.hidden = false;
    offerHeatmap(this.valHeatmap, e.items);
    const wrong = e.items.filter(isWrong).length;
    const items = this.isWrongOnly() ? e.items.filter(isWrong) : e.items;
    const grid = items.length
      ? imageGrid(
          'Validation images: predicted label, with the true label in brackets',
          items.map((i) => cleanable(
            imageTile({
              file: i.file,
              thumbnail: i.thumbnail,
              caption: `${i.label} (${i.truth ?? '?'})`,
              verdict: isWrong(i) ? 'wrong' : 'right',
              detail: `p ${i.probability.toFixed(2)}`,
              label: `${isWrong(i) ? 'wrong' : 'right'}: predicted ${i.label} with probability ${i.probability.toFixed(2)}, truly ${i.truth ?? 'unknown'}`,
              ...heatmapAndScores(e, i),
            }),
            { file: i.file, source: { runDir: e.runDir }, classes: e.classes, label: i.truth },
          )),
        )
      : el('p', { class: 'muted' }, 'No wrong predictions.');
    this.val.replaceChildren(
      el(
        'header',
        { class: 'view-header' },
        el('h2', {}, 'Validation predictions', runName(e)),
        el(
          'div',
          { class: 'toolbar' },
          el('span', { class: 'muted' }, `${fmtInt(wrong)} wrong of ${fmtInt(e.items.length)}`),
          this.wrongOnly,
          this.valHeatmap,
        ),
      ),
      el('p', { class: 'muted legend' }, 'Each image reads “predicted (true)” with the predicted probability.'),
      grid,
    );
  }
}

function runName(e: PredictionsEvent): HTMLElement {
  return el('span', { class: 'muted heading-detail' }, ` — ${baseName(e.runDir)}`);
}
