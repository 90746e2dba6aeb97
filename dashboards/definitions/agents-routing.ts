// Agents & routing. Skill scores and routing weights come from agent_scores and
// routing_weights, which do not exist yet: their panels are listed as pending and
// get a row each when the tables land (dashboards/README.md, "Adding panels").
// What the raw log already answers — satisfaction per agent — is here now.
import type { DashboardSpec, RowSpec } from '../build.ts';
import { table } from '../panels.ts';
import { dimsCte, ratingsCte, sql, ticketFilters } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

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

/** Rows reading ticket_events. */
const fromTicketEvents: RowSpec[] = [{ title: 'Customer satisfaction', panels: [agentCsat] }];
/** Rows reading agent_scores: add them here when the table lands. */
const fromAgentScores: RowSpec[] = [];
/** Rows reading routing_weights: add them here when the table lands. */
const fromRoutingWeights: RowSpec[] = [];

export const agentsRouting: DashboardSpec = {
  uid: 'ticketpulse-agents',
  file: 'agents-routing.json',
  title: 'TicketPulse — Agents & routing',
  description: 'Agent performance per skill and the routing weights sent to the ticketing core.',
  tags: ['agents'],
  variables: TICKET_VARIABLES,
  rows: [...fromAgentScores, ...fromRoutingWeights, ...fromTicketEvents],
  pending: [
    { title: 'Skill leaderboard', question: 'Who is best at each skill, with what confidence (score, interval, sample size)?', needs: ['agent_scores'] },
    { title: 'Current routing weights', question: 'Which agent gets which share of each skill’s tickets right now?', needs: ['routing_weights'] },
    { title: 'Routing weight changes', question: 'How did routing weights change between versions, and why?', needs: ['routing_weights'] },
  ],
};
