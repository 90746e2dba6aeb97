// "Root causes": the active batches of similar tickets — label, size, growth, the
// attribute they concentrate on, and a few subjects to recognise them by.
import { records } from '../api-client.ts';
import { barChart } from '../charts.ts';
import { chartFigure, h, table } from '../dom.ts';
import { decimal, integer } from '../format.ts';
import { num, panelOf, panelSection, text, type PageContext, type PageRenderer } from './common.ts';

export const renderRootCauses: PageRenderer = (ctx) => [batchesSection(ctx)];

/** Sample subjects arrive as an array (ClickHouse Array(String)) or, from a reshaped panel, as one string. */
export function subjects(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(text).filter(Boolean);
  const s = text(value);
  return s ? s.split(/\n|\s+\|\s+/).filter(Boolean) : [];
}

function batchesSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'batches');
  return panelSection(
    ctx,
    ctx.t('rc.batches'),
    panel,
    () => {
      const rows = records(panel);
      const data = table(rows, [
        { header: ctx.t('col.label'), cell: (r) => [h('strong', {}, text(r.label)), h('span', { class: 'muted id' }, text(r.cluster_id))], key: 'label' },
        { header: ctx.t('col.status'), cell: (r) => h('span', { class: `badge status-${text(r.status)}` }, text(r.status)), key: 'status' },
        { header: ctx.t('col.size'), cell: (r) => integer(r.size), numeric: true, key: 'size' },
        { header: ctx.t('col.growth'), cell: (r) => (r.growth === null || r.growth === undefined ? '–' : `${decimal(r.growth, 2)}×`), numeric: true, key: 'growth' },
        { header: ctx.t('col.concentration'), cell: (r) => text(r.concentration), key: 'concentration' },
        { header: ctx.t('col.samples'), cell: (r) => h('ul', { class: 'samples' }, subjects(r.sample_subjects).slice(0, 5).map((s) => h('li', {}, s))), key: 'sample_subjects' },
      ]);
      data.querySelectorAll('tbody tr').forEach((tr, i) => tr.setAttribute('data-cluster-id', text(rows[i].cluster_id)));
      const sizes = rows.map((r) => ({ label: text(r.label), value: num(r.size) }));
      const label = ctx.t('rc.sizeChartLabel', { sizes: sizes.map((s) => `${s.label} ${s.value}`).join(', ') });
      const { figure, canvasHost } = chartFigure(label, data, { showTable: true, className: 'stacked' });
      canvasHost.append(barChart(sizes.slice(0, 12), { width: 640, labels: true }));
      // The list is ordered by urgency (emerging, surging, growing); the rest scrolls.
      const scroller = h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': ctx.t('rc.batches') }, data);
      figure.append(scroller);
      return [figure];
    },
    { empty: ctx.t('rc.noBatches') },
  );
}
