// "Volume": tickets per interval by channel, the top categories, and surges (observed
// against the expected level).
import { records } from '../api-client.ts';
import { PALETTE, barChart, timeChart } from '../charts.ts';
import { chartFigure, h, table } from '../dom.ts';
import { dateTime, decimal, integer, interval, parseTime } from '../format.ts';
import { num, panelOf, panelSection, text, type PageContext, type PageRenderer } from './common.ts';

export const renderVolume: PageRenderer = (ctx) => [volumeSection(ctx), categoriesSection(ctx), surgesSection(ctx)];

/** Long rows (time, label, value) → one aligned series per label; a missing bucket is 0 tickets. */
export function pivot(rows: ReadonlyArray<Record<string, unknown>>, label: string, value: string): { times: number[]; labels: string[]; values: Map<string, number[]> } {
  const times = [...new Set(rows.map((r) => parseTime(r.time)))].sort((a, b) => a - b);
  const labels = [...new Set(rows.map((r) => text(r[label])))].sort();
  const index = new Map(times.map((t, i) => [t, i]));
  const values = new Map(labels.map((l) => [l, times.map(() => 0)]));
  for (const r of rows) values.get(text(r[label]))![index.get(parseTime(r.time))!] += num(r[value]);
  return { times, labels, values };
}

function volumeSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'volume');
  const every = interval(ctx.data.range.interval_ms, ctx.lang);
  return panelSection(ctx, ctx.t('volume.byChannel', { interval: every }), panel, () => {
    const { times, labels, values } = pivot(records(panel), 'channel', 'tickets');
    const totals = labels.map((l) => ({ channel: l, total: values.get(l)!.reduce((a, b) => a + b, 0) }));
    const data = table(
      times.map((t, i) => ({ t, i })),
      [
        { header: ctx.t('col.time'), cell: (r) => dateTime(r.t), key: 'time' },
        ...labels.map((l) => ({ header: l, cell: (r: { i: number }) => integer(values.get(l)![r.i]), numeric: true, key: `channel:${l}` })),
      ],
    );
    const label = ctx.t('volume.chartLabel', { interval: every, totals: totals.map((x) => `${x.channel} ${x.total}`).join(', ') });
    const { figure, canvasHost } = chartFigure(label, data);
    ctx.onMounted(() => timeChart(canvasHost, times, labels.map((l, i) => ({ label: l, values: values.get(l)!, color: PALETTE[i % PALETTE.length] }))));
    const legend = table(totals, [
      { header: ctx.t('col.channel'), cell: (x) => h('span', { class: 'swatch-label' }, h('span', { class: `swatch c${labels.indexOf(x.channel) % PALETTE.length}` }), x.channel), key: 'channel' },
      { header: ctx.t('col.total'), cell: (x) => integer(x.total), numeric: true, key: 'total' },
    ], { className: 'data compact totals' });
    return [figure, legend];
  });
}

function categoriesSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'categories');
  return panelSection(ctx, ctx.t('volume.categories'), panel, () => {
    const rows = records(panel).map((r) => ({ label: text(r.category), value: num(r.tickets) }));
    const data = table(rows, [
      { header: ctx.t('col.category'), cell: (r) => r.label, key: 'category' },
      { header: ctx.t('col.tickets'), cell: (r) => integer(r.value), numeric: true, key: 'tickets' },
    ]);
    const { figure, canvasHost } = chartFigure(rows.map((r) => `${r.label} ${r.value}`).join(', '), data, { className: 'side-by-side', showTable: true });
    canvasHost.append(barChart(rows));
    return [figure];
  });
}

function surgesSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'surges');
  return panelSection(
    ctx,
    ctx.t('volume.surges'),
    panel,
    () => {
      const rows = records(panel).map((r) => ({ time: parseTime(r.time), scope: text(r.scope), observed: num(r.observed), expected: num(r.expected) }));
      // The chart follows the scope that surged hardest; the table lists every surge.
      const peak = rows.reduce((a, b) => (b.observed - b.expected > a.observed - a.expected ? b : a));
      const series = rows.filter((r) => r.scope === peak.scope).sort((a, b) => a.time - b.time);
      const list = table([...rows].sort((a, b) => b.time - a.time), [
        { header: ctx.t('col.time'), cell: (r) => dateTime(r.time), key: 'time' },
        { header: ctx.t('col.scope'), cell: (r) => r.scope, key: 'scope' },
        { header: ctx.t('col.observed'), cell: (r) => integer(r.observed), numeric: true, key: 'observed' },
        { header: ctx.t('col.expected'), cell: (r) => decimal(r.expected, 1), numeric: true, key: 'expected' },
        { header: ctx.t('col.ratio'), cell: (r) => (r.expected > 0 ? `${decimal(r.observed / r.expected, 1)}×` : '–'), numeric: true, key: 'ratio' },
      ]);
      const label = ctx.t('volume.surgeChartLabel', { scope: peak.scope, observed: integer(peak.observed), expected: decimal(peak.expected, 1) });
      const { figure, canvasHost } = chartFigure(label, list, { showTable: true });
      ctx.onMounted(() =>
        timeChart(
          canvasHost,
          series.map((r) => r.time),
          [
            { label: `${ctx.t('col.observed')} (${peak.scope})`, values: series.map((r) => r.observed), color: PALETTE[7] },
            { label: ctx.t('col.expected'), values: series.map((r) => r.expected), color: '#6b7280', dash: [6, 4] },
          ],
          { height: 200 },
        ),
      );
      return [figure];
    },
    { empty: ctx.t('volume.noSurges') },
  );
}
