// The Evaluation tab: headline metrics, the confusion matrix as a heatmap of counts, per-class precision, recall
// and F1, and the images the model is most confidently wrong about (top losses).
import type { EvaluationEvent } from '../src/core/protocol';
import { cleanable } from './cleaner/cleanableTile';
import { baseName, el, emptyState, fmtInt, fmtNum, fmtPct } from './dom';
import { heatmapToggle, offerHeatmap } from './heatmapToggle';
import { heatmapAndScores, imageGrid, imageTile } from './imageTile';

export class EvaluationView {
  private readonly heatmap = heatmapToggle();
  readonly element = el(
    'section',
    { class: 'evaluation', 'aria-label': 'Evaluation' },
    emptyState(
      'graph',
      'No evaluation yet',
      'Evaluate a run to see its confusion matrix, per-class metrics and top losses.',
    ),
  );

  show(e: EvaluationEvent): void {
    offerHeatmap(this.heatmap, e.topLosses);
    this.element.replaceChildren(
      el(
        'header',
        { class: 'view-header' },
        el('h2', {}, 'Evaluation', el('span', { class: 'muted heading-detail' }, ` — ${baseName(e.runDir)}`)),
      ),
      el(
        'div',
        { class: 'metrics', role: 'list', 'aria-label': 'Headline metrics' },
        metric(
          'Accuracy',
          fmtPct(e.accuracy),
          `${fmtInt(Math.round(e.accuracy * e.count))} of ${fmtInt(e.count)} validation images right`,
        ),
        metric('Log loss', fmtNum(e.logLoss), 'Cross-entropy of the predicted probabilities; lower is better'),
        ...(e.auc !== undefined
          ? [metric('AUC', fmtNum(e.auc), 'Area under the ROC curve; 0.5 is chance, 1 is perfect')]
          : []),
        metric('Images', fmtInt(e.count), 'Validation images evaluated (never augmented)'),
      ),
      el(
        'div',
        { class: 'eval-columns' },
        el(
          'div',
          {},
          el('h3', {}, 'Confusion matrix'),
          confusion(e),
          el('p', { class: 'muted note' }, 'Rows: true class · columns: predicted class · tint: share of the row'),
        ),
        el('div', {}, el('h3', {}, 'Per class'), perClass(e)),
      ),
      el('div', { class: 'view-header section-header' }, el('h3', {}, 'Top losses'), this.heatmap),
      e.topLosses.length
        ? imageGrid(
            'Validation images with the highest loss',
            [...e.topLosses]
              .sort((a, b) => b.loss - a.loss)
              .map((t) => cleanable(
                imageTile({
                  file: t.file,
                  thumbnail: t.thumbnail,
                  caption: `${t.predicted} (${t.truth})`,
                  verdict: 'wrong',
                  detail: `p ${t.probability.toFixed(2)} · loss ${t.loss.toFixed(2)}`,
                  label: `predicted ${t.predicted} with probability ${t.probability.toFixed(2)}, truly ${t.truth}, loss ${t.loss.toFixed(2)}`,
                  ...heatmapAndScores(e, t),
                }),
                { file: t.file, source: { runDir: e.runDir }, classes: e.classes, label: t.truth },
              )),
          )
        : el('p', { class: 'muted' }, 'No misclassified images.'),
    );
  }
}

function metric(name: string, value: string, help: string): HTMLElement {
  return el(
    'div',
    { class: 'metric', role: 'listitem', title: help },
    el('div', { class: 'metric-value' }, value),
    el('div', { class: 'metric-name' }, name),
  );
}

/** Rows are the true class, columns the prediction; each cell is tinted by its share of the row. */
function confusion(e: EvaluationEvent): HTMLElement {
  return el(
    'table',
    { class: 'confusion' },
    el(
      'caption',
      { class: 'visually-hidden' },
      'Confusion matrix: rows are the true class, columns the predicted class',
    ),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('td', { class: 'corner muted' }, 'true ↓ predicted →'),
        ...e.classes.map((c) => el('th', { scope: 'col' }, c)),
      ),
    ),
    el(
      'tbody',
      {},
      ...e.confusion.map((row, i) => {
        const sum = row.reduce((a, b) => a + b, 0);
        return el(
          'tr',
          {},
          el('th', { scope: 'row' }, e.classes[i]),
          ...row.map((n, j) => {
            const share = sum ? n / sum : 0;
            const cell = el(
              'td',
              {
                class: `cell${i === j ? ' diagonal' : ''}`,
                'aria-label': `true ${e.classes[i]}, predicted ${e.classes[j]}: ${n} (${fmtPct(share, 0)} of the row)`,
              },
              el('span', { class: 'count' }, fmtInt(n)),
              el('span', { class: 'share' }, fmtPct(share, 0)),
            );
            cell.style.setProperty('--share', `${Math.round(share * 100)}%`);
            return cell;
          }),
        );
      }),
    ),
  );
}

function perClass(e: EvaluationEvent): HTMLElement {
  const num = (x: number) => el('td', { class: 'num' }, fmtNum(x));
  return el(
    'table',
    { class: 'data-table' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'Class'),
        ...['Precision', 'Recall', 'F1', 'Support'].map((h) => el('th', { scope: 'col', class: 'num' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      ...e.perClass.map((r) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, r.class),
          // A class with no validation image has no precision or recall to show, only its (zero) support.
          ...(r.noSupport
            ? [
                el(
                  'td',
                  { class: 'num', colspan: '3', title: 'No validation images of this class' },
                  'no validation images',
                ),
              ]
            : [num(r.precision), num(r.recall), num(r.f1)]),
          el('td', { class: 'num' }, fmtInt(r.support)),
        ),
      ),
    ),
  );
}
