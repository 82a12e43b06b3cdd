// Live learning curves (train against val, per epoch) drawn with Chart.js in the theme's chart colours.
import {
  CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';
import type { EpochEvent } from '../src/core/protocol';
import { el, themeColor } from './dom';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

type Metric = 'acc' | 'loss';

export class CurveChart {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', number[], string>;
  private readonly canvas: HTMLCanvasElement;

  constructor(private readonly metric: Metric, title: string) {
    this.canvas = el('canvas', { role: 'img', 'aria-label': `${title} per epoch, train and validation` });
    this.element = el('figure', { class: 'curve' }, el('figcaption', {}, title), el('div', { class: 'curve-box' }, this.canvas));
    const fg = themeColor('--vscode-foreground', '#ccc');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const dataset = (label: string, color: string, dash: number[]) => ({
      label, data: [] as number[], borderColor: color, backgroundColor: color, borderDash: dash, pointRadius: 3, tension: 0.2,
    });
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: {
        labels: [],
        datasets: [
          dataset('train', themeColor('--vscode-charts-blue', '#3794ff'), []),
          dataset('val', themeColor('--vscode-charts-orange', '#d18616'), [6, 3]),
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: 'epoch', color: fg }, ticks: { color: fg }, grid: { color: grid } },
          y: { ticks: { color: fg }, grid: { color: grid }, ...(metric === 'acc' ? { suggestedMin: 0.5, suggestedMax: 1 } : { beginAtZero: true }) },
        },
        plugins: { legend: { labels: { color: fg, usePointStyle: true, boxHeight: 6 } } },
      },
    });
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
