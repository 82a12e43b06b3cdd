// Per-class probabilities as horizontal bars, highest first, the predicted class marked. Shared by the prediction
// preview (single image and grid tiles); the dashboard's tiles give the same numbers as a tooltip
// (probabilityLines).
import { el, fmtPct } from './dom';

/** The classes with their probabilities, highest first; a missing probability reads as 0 rather than hiding a class. */
export function ranked(classes: readonly string[], probabilities: readonly number[]): { name: string; p: number }[] {
  return classes.map((name, i) => ({ name, p: probabilities[i] ?? 0 })).sort((a, b) => b.p - a.p);
}

/** "dog 0.97", one line per class, highest first: the tooltip text of a grid tile. */
export function probabilityLines(classes: readonly string[], probabilities: readonly number[]): string {
  return ranked(classes, probabilities).map((c) => `${c.name} ${c.p.toFixed(2)}`).join('\n');
}

export function probabilityBars(
  classes: readonly string[], probabilities: readonly number[], predicted: string | undefined, max = Infinity,
): HTMLElement {
  const rows = ranked(classes, probabilities).slice(0, max);
  return el(
    'ol',
    { class: 'prob-bars', 'aria-label': 'Probability per class' },
    ...rows.map((c) => {
      const bar = el('span', { class: 'prob-bar' });
      bar.style.setProperty('--p', `${(100 * c.p).toFixed(1)}%`);
      return el(
        'li',
        { class: `prob-row${c.name === predicted ? ' predicted' : ''}`, 'aria-label': `${c.name}: ${fmtPct(c.p)}` },
        el('span', { class: 'prob-name', title: c.name }, c.name),
        el('span', { class: 'prob-track', 'aria-hidden': 'true' }, bar),
        el('span', { class: 'prob-value' }, fmtPct(c.p)),
      );
    }),
  );
}
