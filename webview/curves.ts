// Live training curves (train against val, per epoch) drawn with Chart.js in the theme's chart colours.
import type { EpochEvent } from '../src/core/protocol';
import { axis, Chart, chartFigure, legendOptions, themed } from './charts';

type Metric = 'acc' | 'loss';

export class CurveChart {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', number[], string>;
  private readonly canvas: HTMLCanvasElement;

  constructor(private readonly metric: Metric, title: string) {
    ({ element: this.element, canvas: this.canvas } = chartFigure(title, `${title} per epoch, train and validation`));
    const dataset = (label: string, dash: number[]) => ({
      label,
      data: [] as number[],
      borderDash: dash,
      pointRadius: 3,
      tension: 0.2,
    });
    this.chart = themed(
      new Chart(this.canvas, {
        type: 'line',
        data: { labels: [], datasets: [dataset('train', []), dataset('val', [6, 3])] },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: {
            x: axis('epoch'),
            y: axis(
              metric === 'acc' ? 'accuracy' : 'loss',
              metric === 'acc' ? { suggestedMin: 0.5, suggestedMax: 1 } : { beginAtZero: true },
            ),
          },
          plugins: { legend: legendOptions },
        },
      }),
      () => ['blue', 'yellow'],
    );
    this.canvas.dataset.points = '0';
  }

  add(e: EpochEvent): void {
    const [train, val] = this.metric === 'acc' ? [e.acc, e.valAcc] : [e.loss, e.valLoss];
    this.chart.data.labels!.push(`${e.stage === 'fine-tune' ? 'ft ' : ''}${e.epoch}`);
    this.chart.data.datasets[0].data.push(train);
    this.chart.data.datasets[1].data.push(val);
    this.chart.update();
    this.canvas.dataset.points = String(this.chart.data.datasets[1].data.length);
  }

  clear(): void {
    this.chart.data.labels = [];
    for (const d of this.chart.data.datasets) d.data = [];
    this.chart.update();
    this.canvas.dataset.points = '0';
  }
}
