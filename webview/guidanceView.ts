// The Guidance tab: advice cards (the strategy advisor's pick, the learning-curve diagnosis) with their evidence
// and one-click actions, the learning curve as its points arrive, and the LR finder's sweep.
import type { CurvePointEvent, GuidanceEvent, LrFindEvent, TrainerEvent } from '../src/core/protocol';
import { codicon, el, emptyState, fmtInt, fmtNum } from './dom';
import { LearningCurveChart, LrFindChart } from './guidanceCharts';
import { post } from './vscodeApi';

export class GuidanceView {
  private readonly empty = emptyState(
    'lightbulb',
    'No advice yet',
    'Run a learning-curve diagnosis to see what limits your model and what to try next.',
  );
  private readonly cards = el('div', { class: 'advice-cards' });
  private readonly curve = new LearningCurveChart();
  private readonly lr = new LrFindChart();
  private readonly charts = el('div', { class: 'curves' }, this.curve.element, this.lr.element);
  readonly element = el(
    'section',
    { class: 'guidance', 'aria-label': 'Guidance' },
    this.empty,
    this.cards,
    this.charts,
  );
  private readonly byKind = new Map<GuidanceEvent['kind'], HTMLElement>();
  /** A reset starts a new job: its first curve point starts a new curve rather than joining the last one. */
  private curveIsOld = false;

  constructor() {
    this.curve.element.hidden = true;
    this.lr.element.hidden = true;
  }

  reset(): void {
    this.curveIsOld = true;
  }

  handle(e: TrainerEvent): void {
    if (e.type === 'guidance') this.showAdvice(e);
    else if (e.type === 'curvePoint') this.addPoint(e);
    else if (e.type === 'lrFind') this.showLr(e);
    else return;
    this.empty.hidden = true;
  }

  private addPoint(p: CurvePointEvent): void {
    if (this.curveIsOld) this.curve.clear();
    this.curveIsOld = false;
    this.curve.element.hidden = false;
    this.curve.add(p);
  }

  private showLr(e: LrFindEvent): void {
    this.lr.element.hidden = false;
    this.lr.show(e);
  }

  private showAdvice(g: GuidanceEvent): void {
    const card = adviceCard(g);
    this.byKind.get(g.kind)?.remove();
    this.byKind.set(g.kind, card);
    // The strategy comes before training, the diagnosis after: keep that order on the page.
    if (g.kind === 'strategy') this.cards.prepend(card);
    else this.cards.append(card);
  }
}

function evidenceValue(v: number): string {
  return Number.isInteger(v) ? fmtInt(v) : Math.abs(v) < 1 ? fmtNum(v) : v.toFixed(2);
}

function adviceCard(g: GuidanceEvent): HTMLElement {
  const kind = g.kind === 'strategy' ? 'Strategy' : 'Diagnosis';
  const heading = el('h3', {}, codicon(g.kind === 'strategy' ? 'compass' : 'pulse'), ` ${kind}: ${g.label}`);
  const moreData = g.moreDataLikelyHelps === undefined ? [] : [el('vscode-badge', {
    variant: 'default', title: 'Read from the learning curve: does dev error still fall as the training set grows?',
  }, g.moreDataLikelyHelps ? 'More data likely helps' : 'More data unlikely to help')];
  return el(
    'article',
    { class: `advice ${g.kind}`, 'aria-label': `${kind}: ${g.label}` },
    el('header', { class: 'advice-header' }, heading, ...moreData),
    el('p', {}, g.summary),
    ...(g.evidence.length
      ? [
          el(
            'table',
            { class: 'data-table evidence', 'aria-label': 'Evidence' },
            el(
              'tbody',
              {},
              ...g.evidence.map((ev) =>
                el(
                  'tr',
                  {},
                  el('th', { scope: 'row' }, ev.name),
                  el('td', { class: 'num' }, evidenceValue(ev.value)),
                  el('td', { class: 'muted' }, ev.note ?? ''),
                ),
              ),
            ),
          ),
        ]
      : []),
    ...(g.recommendations.length ? [el('h4', {}, 'What to try')] : []),
    el(
      'ol',
      { class: 'recommendations' },
      ...g.recommendations.map((r, i) => {
        const action = r.command ? [actionButton(r.title, r.command, r.args, i > 0)] : [];
        return el(
          'li',
          {},
          el(
            'div',
            { class: 'rec-line' },
            el('div', {}, el('strong', {}, r.title), el('div', { class: 'muted' }, r.why)),
            ...action,
          ),
        );
      }),
    ),
  );
}

function actionButton(
  title: string,
  command: string,
  args: Record<string, unknown> | undefined,
  secondary: boolean,
): HTMLElement {
  const b = el(
    'vscode-button',
    { 'aria-label': title, title: `Runs ${command}`, ...(secondary ? { secondary: '' } : {}) },
    'Run',
  );
  b.addEventListener('click', () => post({ type: 'runCommand', command, ...(args ? { args } : {}) }));
  return b;
}
