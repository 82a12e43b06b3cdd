// The runs' learning curves on the same axes: validation solid, training dashed, one colour per run, and a legend
// with one entry per run (clicking it hides or shows both of that run's lines).
import type { RunCurve } from '../../src/core/compareProtocol';
import { axis, Chart, chartFigure, legendOptions, themed } from '../charts';
import { el } from '../dom';
import { runColor, runShape } from './runColors';

type Metric = 'acc' | 'loss';

export function overlaidCurves(curves: RunCurve[], metric: Metric): HTMLElement {
  const title = metric === 'acc' ? 'Accuracy' : 'Loss';
  const { element, canvas } = chartFigure(title, `${title} per epoch of ${curves.length} runs, validation and training`,
    el('p', { class: 'muted' }, 'Solid: validation. Dashed: training.'));
  const line = (run: RunCurve, i: number, values: number[], train: boolean) => ({
    label: `${i + 1}. ${run.id}`,
    data: run.epochs.map((x, k) => ({ x, y: values[k] })),
    borderDash: train ? [5, 4] : [],
    borderWidth: train ? 1.5 : 2,
    pointRadius: train ? 0 : 3,
    pointStyle: runShape(i),
    tension: 0.2,
  });
  const datasets = curves.flatMap((run, i) => metric === 'acc'
    ? [line(run, i, run.valAcc, false), line(run, i, run.acc, true)]
    : [line(run, i, run.valLoss, false), line(run, i, run.loss, true)]);
  const chart = themed(
    new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { ...axis('epoch'), type: 'linear', ticks: { precision: 0 } },
          y: axis(metric === 'acc' ? 'accuracy' : 'loss',
            metric === 'acc' ? { suggestedMin: 0.5, suggestedMax: 1 } : { beginAtZero: true }),
        },
        plugins: {
          legend: {
            ...legendOptions,
            labels: { ...legendOptions.labels, filter: (item) => (item.datasetIndex ?? 0) % 2 === 0 },
            onClick: (_e, item, legend) => {
              const run = Math.floor((item.datasetIndex ?? 0) / 2);
              const shown = legend.chart.isDatasetVisible(2 * run);
              for (const d of [2 * run, 2 * run + 1]) legend.chart.setDatasetVisibility(d, !shown);
              legend.chart.update();
            },
          },
        },
      },
    }),
    () => curves.flatMap((_, i) => [runColor(i), runColor(i)]),
  );
  canvas.dataset.runs = String(curves.length);
  canvas.dataset.points = String(chart.data.datasets.reduce((n, d) => n + d.data.length, 0));
  return element;
}
