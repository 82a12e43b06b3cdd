// Chart.js set up once for every chart in the dashboard, coloured from the theme's --vscode-* variables and
// recoloured when VS Code switches theme (it rewrites the variables and body class without reloading the page).
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartDataset,
  type Plugin,
  type ScaleOptionsByType,
} from 'chart.js';
import { el, themeColor } from './dom';

Chart.register(
  LineController,
  ScatterController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Legend,
  Tooltip,
);

/** A series' colour by theme variable, with the Dark Modern value as fallback. */
export const SERIES = {
  blue: ['--vscode-charts-blue', '#3794ff'],
  yellow: ['--vscode-charts-yellow', '#cca700'],
  purple: ['--vscode-charts-purple', '#b180d7'],
  green: ['--vscode-charts-green', '#89d185'],
  red: ['--vscode-charts-red', '#f14c4c'],
  foreground: ['--vscode-foreground', '#cccccc'],
} as const satisfies Record<string, readonly [string, string]>;
export type SeriesColor = keyof typeof SERIES;

export const color = (c: SeriesColor): string => themeColor(SERIES[c][0], SERIES[c][1]);

const gridColor = () => themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
const restylers = new Set<() => void>();
let observing = false;

function observeTheme(): void {
  if (observing) return;
  observing = true;
  const again = () => restylers.forEach((r) => r());
  const mo = new MutationObserver(again);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}

type AnyChart = Chart<'line' | 'scatter', unknown[], unknown>;

/**
 * Applies the theme to a chart now and after every theme change: axis text and grid, legend, and each dataset's
 * colour from `colors` (one SeriesColor per dataset, by index).
 */
export function themed<C extends AnyChart>(chart: C, colors: () => SeriesColor[]): C {
  const apply = () => {
    const fg = themeColor('--vscode-foreground', '#cccccc');
    const grid = gridColor();
    for (const scale of Object.values(chart.options.scales ?? {})) {
      if (!scale) continue;
      const s = scale as Partial<ScaleOptionsByType<'linear'>>;
      if (s.ticks) s.ticks.color = fg;
      if (s.grid && (s as { type?: string }).type !== 'logarithmic') s.grid.color = grid;
      if (s.title) s.title.color = fg;
    }
    const legend = chart.options.plugins?.legend;
    if (legend?.labels) legend.labels.color = fg;
    const cs = colors();
    chart.data.datasets.forEach((d, i) => {
      const c = color(cs[i] ?? 'foreground');
      Object.assign(d, { borderColor: c, backgroundColor: c, pointBackgroundColor: c, pointBorderColor: c });
    });
    chart.update();
  };
  apply();
  restylers.add(apply);
  observeTheme();
  return chart;
}

/** A linear or logarithmic axis with a title, in the theme's text colour (set by `themed`). */
export function axis(title: string, extra: Record<string, unknown> = {}) {
  return { title: { display: true, text: title }, ticks: {}, grid: {}, ...extra };
}

export const legendOptions = { labels: { usePointStyle: true, boxHeight: 6 } };

/** A captioned chart box; the canvas is an image with an accessible description. */
export function chartFigure(
  title: string,
  ariaLabel: string,
  ...extra: Node[]
): { element: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el('canvas', { role: 'img', 'aria-label': ariaLabel });
  const element = el(
    'figure',
    { class: 'curve' },
    el('figcaption', {}, title),
    el('div', { class: 'curve-box' }, canvas),
    ...extra,
  );
  return { element, canvas };
}

/** Vertical error bars (mean ± std) for datasets whose points carry `std`, e.g. repeats of a learning-curve point. */
export const errorBars: Plugin<'line'> = {
  id: 'transferLabErrorBars',
  afterDatasetsDraw(chart) {
    const y = chart.scales.y;
    const ctx = chart.ctx;
    chart.data.datasets.forEach((d, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      (d.data as unknown as { y: number; std?: number }[]).forEach((p, j) => {
        if (!p?.std) return;
        const pt = meta.data[j];
        if (!pt) return;
        ctx.save();
        ctx.strokeStyle = String((d as ChartDataset<'line'>).borderColor);
        ctx.lineWidth = 1;
        ctx.beginPath();
        const top = y.getPixelForValue(p.y + p.std), bottom = y.getPixelForValue(Math.max(0, p.y - p.std));
        ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bottom);
        ctx.moveTo(pt.x - 4, top); ctx.lineTo(pt.x + 4, top);
        ctx.moveTo(pt.x - 4, bottom); ctx.lineTo(pt.x + 4, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

const isDecade = (v: number) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
/**
 * A log axis labelled and gridded at powers of ten only ("1e-4"): Chart.js also ticks 2..9 between them, which
 * piles up labels and lines. (A fresh object per chart: Chart.js wraps option objects, so they must not be shared.)
 */
export function decadeAxis(title: string) {
  return {
    ...axis(title),
    type: 'logarithmic' as const,
    ticks: {
      callback: (v: number | string) => (isDecade(Number(v)) ? `1e${Math.round(Math.log10(Number(v)))}` : ''),
      maxRotation: 0,
      autoSkip: false,
    },
    grid: {
      color: (c: { tick?: { value: number } }) => (c.tick && isDecade(c.tick.value) ? gridColor() : 'transparent'),
    },
  };
}

/** A dashed vertical line across the plot at x = `markers.get(chart)`, such as the LR finder's suggestion. */
export const markers = new WeakMap<Chart, { x: number; color: SeriesColor }>();
export const verticalMarker: Plugin<'line'> = {
  id: 'transferLabMarker',
  afterDatasetsDraw(chart) {
    const m = markers.get(chart as unknown as Chart);
    if (!m) return;
    const x = chart.scales.x.getPixelForValue(m.x);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = color(m.color);
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

export { Chart };
