// Agents & routing: the agents processor's skill scores (agent_scores) and the routing
// weights it publishes (routing_weights), both snapshots — the panels show the latest
// one at the end of the time range — and satisfaction per agent from the raw log.
// Scores and weights are per agent, team and skill, not per ticket: of the dashboard
// filters only team applies to them (docs/routing.md).
import type { DashboardSpec, RowSpec } from '../build.ts';
import { table } from '../panels.ts';
import { dimsCte, inFilter, ratingsCte, sql, ticketFilters } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

const TEAM = inFilter('team', 'team');

const leaderboard = table({
  title: 'Skill leaderboard',
  question: 'Who is best at each skill, with what confidence (score, interval, sample size)?',
  note:
    'The latest recompute at the end of the time range, over its longest window (the routing window). Score = composite Φ(z): 0.5 is the skill’s typical agent; lower–upper is the credible interval, ' +
    'wide on few tickets (empirical-Bayes shrinkage, docs/routing.md). Ten best per skill.',
  tables: ['agent_scores'],
  columns: ['skill', 'agent', 'score', 'lower', 'upper', 'tickets', 'team', 'window_days'],
  gauges: { score: [0, 1] },
  height: 10,
  sql: sql`
    WITH snapshot AS (
      SELECT max(computed_at) AS at FROM agent_scores WHERE computed_at <= $__toTime
    )
    SELECT skill, agent_id AS agent, composite AS score, composite_lo AS lower, composite_hi AS upper, tickets, team, window_days
    FROM agent_scores FINAL
    WHERE computed_at = (SELECT at FROM snapshot)
      AND window_days = (SELECT max(window_days) FROM agent_scores WHERE computed_at = (SELECT at FROM snapshot))
      AND ${TEAM}
    ORDER BY skill, score DESC, agent
    LIMIT 10 BY skill`,
});

const currentWeights = table({
  title: 'Current routing weights',
  question: 'Which agent gets which share of each skill’s tickets right now?',
  note: 'The latest version published by the end of the time range; the weights of one skill × team sum to 1 (what GET /v1/routing/weights serves). Load = open tickets against capacity.',
  tables: ['routing_weights'],
  columns: ['skill', 'team', 'agent', 'weight', 'version', 'score', 'open_tickets', 'capacity', 'changed_in'],
  gauges: { weight: [0, 1] },
  units: { weight: 'percentunit' },
  width: 12,
  height: 10,
  sql: sql`
    SELECT skill, team, agent_id AS agent, weight, version, score, open_tickets, capacity, changed_in
    FROM routing_weights FINAL
    WHERE version = (SELECT max(version) FROM routing_weights WHERE published_at <= $__toTime)
      AND active = 1
      AND ${TEAM}
    ORDER BY skill, team, weight DESC, agent`,
});

const weightChanges = table({
  title: 'Routing weight changes',
  question: 'How did routing weights change between versions, and why?',
  note:
    'Entries that changed in versions published in the time range, newest first, biggest moves first. Why: score_z (the agent’s skill score, in population standard deviations) and load (open tickets / capacity); ' +
    'a weight moves at most one step per version toward its target, so a change can continue an earlier one. active = 0: the agent left the group.',
  tables: ['routing_weights'],
  columns: ['version', 'published_at', 'skill', 'team', 'agent', 'previous_weight', 'weight', 'change', 'score_z', 'open_tickets', 'capacity', 'active'],
  units: { previous_weight: 'percentunit', weight: 'percentunit', change: 'percentunit' },
  width: 12,
  height: 10,
  sql: sql`
    SELECT version, published_at, skill, team, agent_id AS agent, previous_weight, weight, weight - previous_weight AS change, score_z, open_tickets, capacity, active
    FROM routing_weights FINAL
    WHERE changed = 1 AND $__timeFilter(published_at)
      AND ${TEAM}
    ORDER BY version DESC, abs(change) DESC, skill, team, agent
    LIMIT 200`,
});

const agentCsat = table({
  title: 'Agent CSAT',
  question: 'Which agents leave customers satisfied, on how many ratings?',
  note: 'Latest rating per ticket, given in the time range, credited to the agent on the rating event. CSAT = share of 4 and 5; few ratings mean a noisy figure.',
  tables: ['ticket_events'],
  columns: ['agent', 'team', 'ratings', 'csat', 'avg_score'],
  gauges: { csat: [0, 1] },
  units: { avg_score: 'none' },
  height: 10,
  sql: sql`
    WITH
      ${ratingsCte()},
      ${dimsCte('ratings')}
    SELECT
      if(agent_id = '', '(none)', agent_id) AS agent,
      if(argMax(agent_team, rated_at) = '', '(unassigned)', argMax(agent_team, rated_at)) AS team,
      count() AS ratings,
      countIf(score >= 4) / count() AS csat,
      round(avg(score), 2) AS avg_score
    FROM ratings
    INNER JOIN dims USING (ticket_id)
    WHERE ${ticketFilters('dims.')}
    GROUP BY agent
    ORDER BY ratings DESC, agent
    LIMIT 50`,
});

const rows: RowSpec[] = [
  { title: 'Skills', panels: [leaderboard] },
  { title: 'Routing', panels: [currentWeights, weightChanges] },
  { title: 'Customer satisfaction', panels: [agentCsat] },
];

export const agentsRouting: DashboardSpec = {
  uid: 'ticketpulse-agents',
  file: 'agents-routing.json',
  title: 'TicketPulse — Agents & routing',
  description: 'Agent performance per skill and the routing weights sent to the ticketing core.',
  tags: ['agents'],
  variables: TICKET_VARIABLES,
  rows,
};
