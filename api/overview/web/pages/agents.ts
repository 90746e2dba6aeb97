// "Agents": per skill, who scores best and how sure we are (score with its
// interval, on how many tickets), and the routing weights in force now.
import { records } from '../api-client.ts';
import { intervalChart } from '../charts.ts';
import { chartFigure, h, table } from '../dom.ts';
import { decimal, integer, percent } from '../format.ts';
import { num, panelOf, panelSection, text, type PageContext, type PageRenderer } from './common.ts';

/** Agents shown per skill: the leaders; the full list is in Grafana and /v1/agents. */
export const LEADERS_PER_SKILL = 10;

export const renderAgents: PageRenderer = (ctx) => [leaderboardSection(ctx), weightsSection(ctx)];

interface Score {
  agent: string;
  score: number;
  lower: number;
  upper: number;
  tickets: number;
}

/** Rows grouped by skill in the panel's order (it ranks them), the first LEADERS_PER_SKILL of each. */
export function leadersBySkill(rows: ReadonlyArray<Record<string, unknown>>): Map<string, Score[]> {
  const out = new Map<string, Score[]>();
  for (const r of rows) {
    const skill = text(r.skill);
    const list = out.get(skill) ?? [];
    if (list.length < LEADERS_PER_SKILL) list.push({ agent: text(r.agent), score: num(r.score), lower: num(r.lower), upper: num(r.upper), tickets: num(r.tickets) });
    out.set(skill, list);
  }
  return out;
}

function leaderboardSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'leaderboard');
  return panelSection(
    ctx,
    ctx.t('agents.leaderboard'),
    panel,
    () => [
      h(
        'div',
        { class: 'skills' },
        [...leadersBySkill(records(panel))].map(([skill, scores]) => {
          const data = table(scores, [
            { header: ctx.t('col.rank'), cell: (s) => String(scores.indexOf(s) + 1), numeric: true, key: 'rank' },
            { header: ctx.t('col.agent'), cell: (s) => s.agent, key: 'agent' },
            { header: ctx.t('col.score'), cell: (s) => decimal(s.score, 3), numeric: true, key: 'score' },
            { header: ctx.t('col.interval'), cell: (s) => `${decimal(s.lower, 3)} – ${decimal(s.upper, 3)}`, numeric: true, key: 'interval' },
            { header: ctx.t('col.tickets'), cell: (s) => integer(s.tickets), numeric: true, key: 'tickets' },
          ]);
          const label = ctx.t('agents.intervalLabel', {
            skill,
            entries: scores.map((s) => `${s.agent} ${decimal(s.score, 3)} (${decimal(s.lower, 3)}–${decimal(s.upper, 3)})`).join(', '),
          });
          const { figure, canvasHost } = chartFigure(label, data, { showTable: true, className: 'side-by-side leaderboard' });
          canvasHost.append(intervalChart(scores.map((s) => ({ label: s.agent, value: s.score, lower: s.lower, upper: s.upper })), { width: 180 }));
          return h('article', { class: 'skill', 'data-skill': skill }, h('h3', {}, ctx.t('agents.leaderboardFor', { skill })), figure);
        }),
      ),
    ],
    { empty: ctx.t('agents.noScores') },
  );
}

function weightsSection(ctx: PageContext): HTMLElement {
  const panel = panelOf(ctx, 'weights');
  return panelSection(ctx, ctx.t('agents.weights'), panel, () => [
    h(
      'div',
      // Scrollable, so it must be reachable by keyboard to scroll.
      { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': ctx.t('agents.weights') },
      table(records(panel), [
        { header: ctx.t('col.skill'), cell: (r) => text(r.skill), key: 'skill' },
        { header: ctx.t('col.team'), cell: (r) => text(r.team), key: 'team' },
        { header: ctx.t('col.agent'), cell: (r) => text(r.agent), key: 'agent' },
        { header: ctx.t('col.weight'), cell: (r) => percent(r.weight), numeric: true, key: 'weight' },
        { header: ctx.t('col.version'), cell: (r) => integer(r.version), numeric: true, key: 'version' },
      ]),
    ),
  ]);
}
