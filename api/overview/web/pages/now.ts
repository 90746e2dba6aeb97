// "Now": SLA compliance per metric with its trend, the tickets that breached or are
// about to, and the firing alerts (with an acknowledge button for admin keys).
import { records, type Alert } from '../api-client.ts';
import { sparkline } from '../charts.ts';
import { chartFigure, h, table, type TableColumn } from '../dom.ts';
import { dateTime, minutes, parseTime, percent, integer } from '../format.ts';
import { translateValue } from '../i18n.ts';
import { num, panelOf, panelSection, text, type PageContext, type PageRenderer } from './common.ts';

export const renderNow: PageRenderer = (ctx) => [complianceSection(ctx), atRiskSection(ctx), alertsSection(ctx)];

function complianceSection(ctx: PageContext): HTMLElement {
  const now = panelOf(ctx, 'compliance');
  const trend = records(panelOf(ctx, 'compliance_trend'));
  return panelSection(ctx, ctx.t('now.compliance'), now, () => [
    h(
      'div',
      { class: 'cards' },
      records(now).map((r) => {
        const metric = text(r.metric);
        const name = translateValue(ctx.lang, 'metric', metric);
        const points = trend.filter((p) => text(p.metric) === metric).map((p) => ({ time: parseTime(p.time), value: num(p.compliance) }));
        const card = h(
          'article',
          { class: 'card', 'data-metric': metric },
          h('h3', {}, name),
          h('p', { class: 'big', 'data-value': 'compliance' }, percent(r.compliance)),
          h('p', { class: 'sub', 'data-value': 'counts' }, ctx.t('now.metCount', { met: integer(r.met), breached: integer(r.breached) })),
        );
        if (points.length > 0) {
          const data = table(points, [
            { header: ctx.t('col.time'), cell: (p) => dateTime(p.time) },
            { header: ctx.t('col.compliance'), cell: (p) => percent(p.value), numeric: true },
          ]);
          const label = ctx.t('now.trendLabel', { metric: name, first: percent(points[0].value), last: percent(points[points.length - 1].value) });
          const { figure, canvasHost } = chartFigure(label, data, { className: 'sparkline' });
          card.append(figure);
          ctx.onMounted(() => sparkline(canvasHost, points.map((p) => p.time), points.map((p) => p.value), { width: Math.max(canvasHost.clientWidth, 160), height: 40 }));
        }
        return card;
      }),
    ),
  ]);
}

function atRiskSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'at_risk');
  return panelSection(ctx, ctx.t('now.atRisk'), panel, () => [
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': ctx.t('now.atRisk') }, atRiskTable(ctx, records(panel))),
  ]);
}

function atRiskTable(ctx: PageContext, rows: Array<Record<string, unknown>>): HTMLTableElement {
  return table(rows, [
      { header: ctx.t('col.ticket'), cell: (r) => text(r.ticket_id), key: 'ticket_id' },
      { header: ctx.t('col.metric'), cell: (r) => translateValue(ctx.lang, 'metric', text(r.metric)), key: 'metric' },
      { header: ctx.t('col.state'), cell: (r) => h('span', { class: `badge state-${text(r.state)}` }, translateValue(ctx.lang, 'state', text(r.state))), key: 'state' },
      { header: ctx.t('col.priority'), cell: (r) => text(r.priority), key: 'priority' },
      { header: ctx.t('col.team'), cell: (r) => text(r.team), key: 'team' },
      { header: ctx.t('col.deadline'), cell: (r) => dateTime(r.deadline), key: 'deadline' },
      {
        header: ctx.t('col.timeLeft'),
        numeric: true,
        key: 'minutes_left',
        cell: (r) => {
          const left = num(r.minutes_left);
          const label = left < 0 ? ctx.t('now.minutesOver', { time: minutes(left, ctx.lang) }) : ctx.t('now.minutesLeft', { time: minutes(left, ctx.lang) });
          return h('span', { class: left < 0 ? 'over' : 'left', 'data-minutes': integer(left) }, label);
        },
      },
    ]);
}

function alertsSection(ctx: PageContext): HTMLElement {
  const section = h('section', { class: 'panel', 'aria-labelledby': 'h-alerts', 'data-panel': 'alerts' }, h('h2', { id: 'h-alerts' }, ctx.t('now.alerts')));
  const { alerts, error } = ctx.alerts;
  if (error) {
    section.append(h('p', { class: 'notice error', role: 'status' }, error));
    return section;
  }
  if (alerts === null) {
    section.append(h('p', { class: 'notice' }, ctx.t('now.alertsUnavailable')));
    return section;
  }
  if (alerts.length === 0) {
    section.append(h('p', { class: 'notice empty' }, ctx.t('now.noAlerts')));
    return section;
  }
  const canAck = ctx.session.scopes.includes('admin');
  const columns: Array<TableColumn<Alert>> = [
    { header: ctx.t('col.severity'), cell: (a: Alert) => h('span', { class: `badge sev-${a.severity}` }, a.severity), key: 'severity' },
    { header: ctx.t('col.kind'), cell: (a: Alert) => a.kind, key: 'kind' },
    { header: ctx.t('col.summary'), cell: (a: Alert) => a.summary, key: 'summary' },
    { header: ctx.t('col.firedAt'), cell: (a: Alert) => dateTime(a.fired_at), key: 'fired_at' },
  ];
  if (canAck) columns.push({ header: ctx.t('col.action'), cell: (a: Alert) => ackCell(ctx, a), key: 'action' });
  const t = table(alerts, columns);
  // Rows carry the alert id, so the acknowledged one can be found again after a refresh.
  t.querySelectorAll('tbody tr').forEach((tr, i) => tr.setAttribute('data-alert-id', alerts[i].id));
  // A storm can mean dozens: the list scrolls instead of pushing everything else down.
  section.append(h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': ctx.t('now.alerts') }, t));
  return section;
}

function ackCell(ctx: PageContext, alert: Alert): Node {
  const state = ctx.alerts.acked.get(alert.id);
  if (state === 'done') return h('span', { class: 'acked', role: 'status' }, ctx.t('now.acked'));
  const button = h('button', { type: 'button', class: 'ack', 'aria-label': ctx.t('now.ackLabel', { summary: alert.summary }), disabled: state === 'pending' }, ctx.t('now.ack'));
  button.addEventListener('click', () => ctx.ack(alert));
  if (state && state !== 'pending') return h('span', {}, button, h('span', { class: 'error', role: 'status' }, ctx.t('now.ackFailed', { message: state })));
  return button;
}
