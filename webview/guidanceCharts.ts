// The Guidance tab's charts: the learning curve (error against training-set size, drawn as points arrive) and the
// LR finder's loss against learning rate on a log axis.
import type { CurvePointEvent, LrFindEvent } from '../src/core/protocol';
import {
  axis,
  Chart,
  chartFigure,
  decadeAxis,
  errorBars,
  legendOptions,
  markers,
  themed,
  verticalMarker,
  type SeriesColor,
} from './charts';
import { el, fmtInt, fmtPct } from './dom';

type Point = { x: number; y: number; std?: number };

export class LearningCurveChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly chart: Chart<'line', Point[]>;
  private readonly points: CurvePointEvent[] = [];
  private readonly table = el('tbody');

  constructor() {
    const details = el(
      'details',
      {},
      el('summary', {}, 'Show the numbers'),
      el(
        'table',
        { class: 'data-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Training images', 'Train error', 'Dev error', 'Train-dev error'].map((h) =>
              el('th', { scope: 'col', class: 'num' }, h),
            ),
          ),
        ),
        this.table,
      ),
    );
    ({ element: this.element, canvas: this.canvas } = chartFigure('Learning curve',
      'Error against training-set size: train, dev and train-dev error, and the desired error', details));
    const series = (label: string, dash: number[] = [], pointRadius = 3) => ({
      label,
      data: [] as Point[],
      borderDash: dash,
      pointRadius,
      tension: 0.2,
    });
    this.chart = themed(
      new Chart(this.canvas, {
        type: 'line',
        data: {
          datasets: [
            series('train'),
            series('dev', [6, 3]),
            series('train-dev', [2, 2]),
            series('desired error', [8, 4], 0),
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          scales: {
            x: axis('training images', { type: 'linear', beginAtZero: true }),
            y: axis('error', { beginAtZero: true, suggestedMax: 0.5 }),
          },
          plugins: {
            legend: {
              ...legendOptions,
              labels: { ...legendOptions.labels, filter: (item) => item.text !== 'train-dev' || this.hasTrainDev() },
            },
            tooltip: {
              callbacks: {
                label: (c) =>
                  `${c.dataset.label}: ${fmtPct((c.raw as Point).y)}${(c.raw as Point).std ? ` ± ${fmtPct((c.raw as Point).std!)}` : ''}`,
              },
            },
          },
        },
        plugins: [errorBars],
      }),
      (): SeriesColor[] => ['blue', 'yellow', 'purple', 'green'],
    );
    this.canvas.dataset.points = '0';
  }

  private hasTrainDev(): boolean {
    return this.points.some((p) => p.trainDev);
  }

  clear(): void {
    this.points.length = 0;
    for (const d of this.chart.data.datasets) d.data = [];
    this.table.replaceChildren();
    this.chart.update();
    this.canvas.dataset.points = '0';
  }

  add(p: CurvePointEvent): void {
    this.points.push(p);
    this.points.sort((a, b) => a.size - b.size);
    const at = (s: { mean: number; std: number } | undefined, size: number): Point[] =>
      s ? [{ x: size, y: s.mean, std: s.std }] : [];
    const [train, dev, trainDev, desired] = this.chart.data.datasets;
    train.data = this.points.flatMap((q) => at(q.train, q.size));
    dev.data = this.points.flatMap((q) => at(q.dev, q.size));
    trainDev.data = this.points.flatMap((q) => at(q.trainDev, q.size));
    // The desired error spans the whole x range, up to the full training set.
    desired.data = [
      { x: 0, y: p.desiredError },
      { x: Math.max(p.total, ...this.points.map((q) => q.size)), y: p.desiredError },
    ];
    this.chart.update();
    this.canvas.dataset.points = String(this.points.length);
    const cell = (s?: { mean: number; std: number }) =>
      el('td', { class: 'num' }, s ? `${fmtPct(s.mean)} ± ${fmtPct(s.std)}` : '—');
    this.table.replaceChildren(
      ...this.points.map((q) =>
        el(
          'tr',
          {},
          el('td', { class: 'num' }, `${fmtInt(q.size)} of ${fmtInt(q.total)}`),
          cell(q.train),
          cell(q.dev),
          cell(q.trainDev),
        ),
      ),
    );
  }
}

export class LrFindChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly chart: Chart<'line', Point[]>;
  private readonly caption = el('p', { class: 'muted' });

  constructor() {
    ({ element: this.element, canvas: this.canvas } = chartFigure(
      'Learning-rate finder',
      'Training loss against learning rate, log scale, with the suggested rate marked',
      this.caption,
    ));
    this.chart = themed(
      new Chart(this.canvas, {
        type: 'line',
        data: {
          datasets: [
            { label: 'loss', data: [], pointRadius: 0, tension: 0.2 },
            {
              label: 'suggested',
              data: [],
              pointRadius: 7,
              pointHoverRadius: 8,
              pointStyle: 'triangle',
              showLine: false,
            },
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          scales: { x: decadeAxis('learning rate (log scale)'), y: axis('loss') },
          plugins: {
            legend: legendOptions,
            tooltip: {
              callbacks: {
                label: (c) =>
                  `${c.dataset.label}: loss ${(c.raw as Point).y.toFixed(3)} at ${(c.raw as Point).x.toExponential(1)}`,
              },
            },
          },
        },
        plugins: [verticalMarker],
      }),
      (): SeriesColor[] => ['blue', 'yellow'],
    );
    this.canvas.dataset.points = '0';
  }

  show(e: LrFindEvent): void {
    const pts = e.lrs.map((x, i) => ({ x, y: e.losses[i] })).filter((p) => p.x > 0 && Number.isFinite(p.y));
    // A finder sweeps until the loss diverges; cut the axis where it has clearly blown up so the valley stays readable.
    const floor = Math.min(...pts.map((p) => p.y));
    const first = pts[0]?.y ?? floor;
    const yScale = this.chart.options.scales!.y!;
    yScale.max = Math.max(first * 1.5, floor * 2);
    const near = pts.reduce(
      (best, p) => (Math.abs(Math.log(p.x / e.suggestion)) < Math.abs(Math.log(best.x / e.suggestion)) ? p : best),
      pts[0],
    );
    this.chart.data.datasets[0].data = pts;
    this.chart.data.datasets[1].data = near ? [{ x: e.suggestion, y: near.y }] : [];
    markers.set(this.chart as unknown as Chart, { x: e.suggestion, color: 'yellow' });
    this.chart.update();
    this.canvas.dataset.points = String(pts.length);
    this.caption.replaceChildren('Suggested learning rate: ', el('strong', {}, e.suggestion.toExponential(1)));
  }
}
