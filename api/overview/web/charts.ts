// Charts: uPlot (canvas) for time series and sparklines, small hand-drawn SVG for
// intervals and bars. Every chart is placed in a figure with an aria-label and a
// table of its numbers (dom.ts chartFigure); these functions only draw.
import uPlot from 'uplot';

export const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];

export interface Series {
  label: string;
  /** One value per time; null where the series has no point. */
  values: Array<number | null>;
  color?: string;
  dash?: number[];
}

/** Charts on the page, so a re-render or resize can let go of them. */
const live = new Set<{ chart: uPlot; observer?: ResizeObserver }>();

export function destroyCharts(): void {
  for (const c of live) {
    c.observer?.disconnect();
    c.chart.destroy();
  }
  live.clear();
}

function track(chart: uPlot, host: HTMLElement, height: number): void {
  const observer = new ResizeObserver(() => {
    const width = Math.max(host.clientWidth, 120);
    if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height });
  });
  observer.observe(host);
  live.add({ chart, observer });
}

/** A time-series chart with a legend; `times` in epoch milliseconds. */
export function timeChart(host: HTMLElement, times: readonly number[], series: readonly Series[], opts: { height?: number; yLabel?: string } = {}): uPlot {
  const height = opts.height ?? 240;
  const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
  const chart = new uPlot(
    {
      width: Math.max(host.clientWidth, 320),
      height,
      // The data table is the accessible version; the canvas's own cursor would only add noise for screen readers.
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [{ stroke: '#4b5563', grid: { stroke: '#e5e7eb' } }, { stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, label: opts.yLabel, size: 50 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          dash: s.dash,
          points: { show: times.length < 3 },
          spanGaps: false,
        })),
      ],
    },
    data,
    host,
  );
  track(chart, host, height);
  return chart;
}

/** A tiny line without axes or legend, for a trend next to a number. */
export function sparkline(host: HTMLElement, times: readonly number[], values: ReadonlyArray<number | null>, opts: { width?: number; height?: number; min?: number; max?: number } = {}): uPlot {
  const height = opts.height ?? 36;
  const chart = new uPlot(
    {
      width: opts.width ?? 160,
      height,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      padding: [4, 2, 4, 2],
      scales: { x: { time: true }, y: { range: () => [opts.min ?? 0, opts.max ?? 1] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: PALETTE[0], width: 2, fill: 'rgba(37, 99, 235, 0.12)', points: { show: times.length < 3, size: 4 } }],
    },
    [times.map((t) => t / 1000), [...values]],
    host,
  );
  live.add({ chart });
  return chart;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export interface IntervalPoint {
  label: string;
  value: number;
  lower: number;
  upper: number;
}

/** Rows of the SVG charts line up with the rows of the table beside them (styles.css: .side-by-side). */
export const ROW_HEIGHT = 30;

/** One row per entry: a line from lower to upper with a dot at the value (a forest plot). */
export function intervalChart(points: readonly IntervalPoint[], opts: { width?: number; min?: number; max?: number } = {}): SVGSVGElement {
  const width = opts.width ?? 360;
  const left = 6;
  const right = width - 6;
  const lo = Math.min(opts.min ?? 0, ...points.map((p) => p.lower));
  const hi = Math.max(opts.max ?? 1, ...points.map((p) => p.upper));
  const x = (v: number) => left + ((v - lo) / (hi - lo || 1)) * (right - left);
  const height = Math.max(points.length, 1) * ROW_HEIGHT;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'interval-chart', 'aria-hidden': 'true', focusable: 'false' });
  // The skill's typical agent scores 0.5: the reference line.
  const mid = x((lo + hi) / 2);
  root.append(svg('line', { x1: mid, x2: mid, y1: 0, y2: height, stroke: '#9ca3af', 'stroke-dasharray': '3 3' }));
  points.forEach((p, i) => {
    const y = i * ROW_HEIGHT + ROW_HEIGHT / 2;
    root.append(svg('line', { x1: x(p.lower), x2: x(p.upper), y1: y, y2: y, stroke: PALETTE[0], 'stroke-width': 3, 'stroke-linecap': 'round', 'data-label': p.label }));
    root.append(svg('circle', { cx: x(p.value), cy: y, r: 5, fill: '#1e3a8a' }));
  });
  return root;
}

/**
 * Horizontal bars, one per entry, scaled to the largest. With `labels`, each bar
 * carries its label on the left and its value at its end (a chart that stands alone);
 * without, it sits beside a table that names the rows.
 */
export function barChart(entries: ReadonlyArray<{ label: string; value: number }>, opts: { width?: number; labels?: boolean } = {}): SVGSVGElement {
  const width = opts.width ?? 360;
  const labelWidth = opts.labels ? Math.round(width * 0.38) : 0;
  const valueWidth = opts.labels ? 44 : 0;
  const max = Math.max(1, ...entries.map((e) => e.value));
  const height = Math.max(entries.length, 1) * ROW_HEIGHT;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'bar-chart', 'aria-hidden': 'true', focusable: 'false' });
  entries.forEach((e, i) => {
    const y = i * ROW_HEIGHT;
    const w = Math.max(2, (e.value / max) * (width - labelWidth - valueWidth - 8));
    root.append(svg('rect', { x: labelWidth + 2, y: y + 6, width: w, height: ROW_HEIGHT - 12, rx: 3, fill: PALETTE[i % PALETTE.length], 'data-label': e.label }));
    if (opts.labels) {
      const label = svg('text', { x: labelWidth - 6, y: y + ROW_HEIGHT / 2 + 4, 'text-anchor': 'end', class: 'bar-label' });
      label.textContent = e.label.length > 34 ? `${e.label.slice(0, 33)}…` : e.label;
      const value = svg('text', { x: labelWidth + w + 8, y: y + ROW_HEIGHT / 2 + 4, class: 'bar-value' });
      value.textContent = String(e.value);
      root.append(label, value);
    }
  });
  return root;
}
