// The Layers tab: the backbone's freeze table, grouped by block. The person picks where fine-tuning starts (a block
// header or a layer); the table previews what trains, the summary counts parameters Keras-style, and "Fine-tune from
// here" asks the extension to start it.
import type { LayerRow, LayersEvent } from '../src/core/protocol';
import { baseName, codicon, el, emptyState, fmtInt } from './dom';
import { post } from './vscodeApi';

/** The unfreeze point: a block (from its first layer) or a single layer. */
interface Choice { kind: 'block' | 'layer'; name: string; start: number }

/**
 * What trains once fine-tuning starts at `start`. It mirrors the trainer's split (backboneSplit.ts): layers before
 * the point are frozen; after it every layer trains except BatchNorm, which stays frozen by default so its
 * running statistics survive small fine-tuning batches. The input layer never has weights.
 */
export function trainsAt(layer: LayerRow, start: number): boolean {
  return layer.index >= start && layer.type !== 'BatchNormalization' && layer.type !== 'InputLayer';
}

export function paramSummary(
  layers: readonly LayerRow[],
  start: number,
): { trainable: number; frozen: number; total: number } {
  let trainable = 0,
    total = 0;
  for (const l of layers) {
    total += l.params;
    if (trainsAt(l, start)) trainable += l.params;
  }
  return { trainable, frozen: total - trainable, total };
}

function blocksOf(layers: readonly LayerRow[]): { block: string; layers: LayerRow[] }[] {
  const groups: { block: string; layers: LayerRow[] }[] = [];
  for (const l of layers) {
    if (groups.at(-1)?.block !== l.block) groups.push({ block: l.block, layers: [] });
    groups.at(-1)!.layers.push(l);
  }
  return groups;
}

/** The picker's default: the top block only (the last block that is not the stem). */
function defaultChoice(layers: readonly LayerRow[]): Choice | undefined {
  const top = blocksOf(layers).filter((g) => g.block !== 'stem').at(-1);
  return top ? { kind: 'block', name: top.block, start: top.layers[0].index } : undefined;
}

export class LayersView {
  readonly element = el(
    'section',
    { class: 'layers', 'aria-label': 'Layers' },
    emptyState(
      'layers',
      'No model yet',
      'Train a feature extractor to see the backbone’s layers and choose where fine-tuning starts.',
    ),
  );
  private event: LayersEvent | undefined;
  private choice: Choice | undefined;
  private readonly rows: { tr: HTMLTableRowElement; choice: Choice }[] = [];
  private readonly summary = el('div', { class: 'param-summary', role: 'status', 'aria-live': 'polite' });
  private readonly fineTune = el('vscode-button', { icon: 'flame' }, 'Fine-tune from here');

  constructor() {
    this.fineTune.addEventListener('click', () => {
      if (this.event?.runDir && this.choice && !this.fineTune.hasAttribute('disabled')) {
        post({ type: 'startFineTune', runDir: this.event.runDir, unfreezeFrom: this.choice.name });
      }
    });
  }

  show(e: LayersEvent): void {
    const keep =
      this.choice &&
      this.event?.runDir === e.runDir &&
      e.layers.some((l) => (this.choice!.kind === 'block' ? l.block : l.name) === this.choice!.name);
    this.event = e;
    if (!keep) this.choice = defaultChoice(e.layers);
    this.fineTune.toggleAttribute('disabled', !e.runDir);
    this.fineTune.setAttribute(
      'title',
      e.runDir ? `Fine-tune ${baseName(e.runDir)}` : 'These layers belong to no saved run',
    );
    this.element.replaceChildren(
      // The choice and its button stay in view while the person scrolls a table of a hundred layers.
      el(
        'div',
        { class: 'sticky-bar' },
        el(
          'header',
          { class: 'view-header' },
          el(
            'h2',
            {},
            'Layers',
            ...(e.runDir ? [el('span', { class: 'muted heading-detail' }, ` — ${baseName(e.runDir)}`)] : []),
          ),
          this.fineTune,
        ),
        this.summary,
      ),
      el(
        'p',
        { class: 'muted' },
        'Choose where fine-tuning starts: click a block or a layer, or move with the arrow keys and press Enter. ' +
          'From there on the layers train; everything before stays frozen. BatchNorm layers stay frozen, and the classifier head (not listed) always trains.',
      ),
      this.table(e.layers),
    );
    this.update();
  }

  private table(layers: readonly LayerRow[]): HTMLElement {
    this.rows.length = 0;
    const body = el('tbody');
    for (const g of blocksOf(layers)) {
      const params = g.layers.reduce((s, l) => s + l.params, 0);
      const header = el(
        'tr',
        { class: 'block-row', 'data-block': g.block },
        el(
          'th',
          { colspan: '6', scope: 'rowgroup' },
          codicon('symbol-namespace'),
          ` ${g.block}`,
          el(
            'span',
            { class: 'muted' },
            ` · ${g.layers.length} layer${g.layers.length === 1 ? '' : 's'} · ${fmtInt(params)} params`,
          ),
          el('span', { class: 'start-marker' }),
        ),
      );
      this.addRow(header, { kind: 'block', name: g.block, start: g.layers[0].index });
      body.append(header);
      for (const l of g.layers) {
        const tr = el(
          'tr',
          { class: 'layer-row', 'data-layer': l.name },
          el('td', { class: 'num' }, String(l.index)),
          el('td', { class: 'name' }, l.name, el('span', { class: 'start-marker' })),
          el('td', {}, l.type),
          el('td', { class: 'shape' }, l.outputShape),
          el('td', { class: 'num' }, fmtInt(l.params)),
          el('td', { class: 'trainable' }),
        );
        this.addRow(tr, { kind: 'layer', name: l.name, start: l.index });
        body.append(tr);
      }
    }
    body.addEventListener('keydown', (ev) => this.onKey(ev));
    return el(
      'table',
      { class: 'data-table freeze-table', 'aria-label': 'Backbone layers by block; choose where fine-tuning starts' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['#', 'Name', 'Type', 'Output shape', 'Params', 'Trainable'].map((h, i) =>
            el('th', { scope: 'col', class: i === 0 || i === 4 ? 'num' : '' }, h),
          ),
        ),
      ),
      body,
    );
  }

  private addRow(tr: HTMLTableRowElement, choice: Choice): void {
    tr.tabIndex = -1;
    tr.title = `Unfreeze from ${choice.name}`;
    tr.addEventListener('click', () => this.choose(choice, tr));
    this.rows.push({ tr, choice });
  }

  private onKey(ev: KeyboardEvent): void {
    const i = this.rows.findIndex((r) => r.tr === document.activeElement);
    if (i < 0) return;
    const move: Record<string, number> = {
      ArrowDown: i + 1,
      ArrowUp: i - 1,
      Home: 0,
      End: this.rows.length - 1,
      PageDown: i + 10,
      PageUp: i - 10,
    };
    if (ev.key === 'Enter' || ev.key === ' ') this.choose(this.rows[i].choice, this.rows[i].tr);
    else if (ev.key in move) this.focusRow(Math.max(0, Math.min(this.rows.length - 1, move[ev.key])));
    else return;
    ev.preventDefault();
  }

  private focusRow(i: number): void {
    for (const r of this.rows) r.tr.tabIndex = -1;
    this.rows[i].tr.tabIndex = 0;
    this.rows[i].tr.focus();
  }

  private choose(choice: Choice, tr: HTMLTableRowElement): void {
    this.choice = choice;
    this.update();
    this.focusRow(this.rows.findIndex((r) => r.tr === tr));
  }

  private update(): void {
    const layers = this.event?.layers ?? [];
    const c = this.choice;
    const start = c?.start ?? Infinity;
    let layerIndex = 0;
    for (const { tr, choice } of this.rows) {
      const chosen = !!c && choice.kind === c.kind && choice.name === c.name;
      tr.classList.toggle('start', chosen);
      tr.setAttribute('aria-selected', String(chosen));
      tr.querySelector('.start-marker')!.textContent = chosen ? 'unfreeze from here' : '';
      if (choice.kind === 'block') {
        tr.classList.toggle('trains', choice.start >= start);
        continue;
      }
      const l = layers[layerIndex++];
      const trains = trainsAt(l, start);
      const cell = tr.querySelector('.trainable')!;
      tr.classList.toggle('trains', l.index >= start);
      if (l.params === 0) cell.replaceChildren(el('span', { class: 'muted' }, 'no weights'));
      else if (trains) cell.replaceChildren(codicon('unlock'), ' trainable');
      else cell.replaceChildren(codicon('lock'), l.index >= start ? ' frozen (BatchNorm)' : ' frozen');
    }
    const focusable = this.rows.findIndex((r) => r.tr.classList.contains('start'));
    this.rows.forEach((r, i) => (r.tr.tabIndex = i === Math.max(0, focusable) ? 0 : -1));
    const s = paramSummary(layers, start);
    this.summary.replaceChildren(
      el(
        'div',
        { class: 'summary-choice' },
        c ? `Unfreeze from ${c.name}` : 'Nothing chosen: the whole backbone stays frozen',
        ...(c ? [el('span', { class: 'muted' }, c.kind === 'block' ? ' (the whole block)' : ' (this layer on)')] : []),
      ),
      el(
        'pre',
        {},
        `Trainable params: ${fmtInt(s.trainable)}\nNon-trainable params: ${fmtInt(s.frozen)}\nTotal params: ${fmtInt(s.total)}`,
      ),
    );
    this.fineTune.toggleAttribute('disabled', !this.event?.runDir || !c);
  }
}
