// One ticket, every event: where ticket links in the other dashboards lead.
import type { DashboardSpec } from '../build.ts';
import { TICKET_DASHBOARD_UID } from '../links.ts';
import { table } from '../panels.ts';
import { LOOKBACK_DAYS, LOOKBACK_START, sql } from '../sql.ts';
import { ticketId } from '../variables.ts';

// sqlstring: the id is typed by people, so it is quoted and escaped, never raw.
const THIS_TICKET = `ticket_id = \${ticket_id:sqlstring} AND occurred_at >= ${LOOKBACK_START} AND occurred_at <= $__toTime`;
const window = `Events from ${LOOKBACK_DAYS} days before the range start to its end.`;

const summary = table({
  title: 'Ticket',
  question: 'Where does this ticket stand?',
  note: `Latest known dimensions and the lifecycle instants. ${window}`,
  tables: ['ticket_events'],
  columns: ['ticket_id', 'tenant', 'channel', 'priority', 'team', 'category', 'product', 'status', 'created_at', 'first_reply_at', 'resolved_at', 'events'],
  height: 4,
  sql: sql`
    SELECT
      ticket_id,
      argMaxIf(tenant, occurred_at, tenant != '') AS tenant,
      argMaxIf(channel, occurred_at, channel != '') AS channel,
      argMaxIf(priority, occurred_at, priority != '') AS priority,
      argMaxIf(team, occurred_at, team != '') AS team,
      argMaxIf(category, occurred_at, category != '') AS category,
      argMaxIf(product, occurred_at, product != '') AS product,
      argMaxIf(status, occurred_at, status != '') AS status,
      minIfOrNull(occurred_at, type = 'created') AS created_at,
      minIfOrNull(occurred_at, type = 'agent_replied') AS first_reply_at,
      minIfOrNull(occurred_at, type IN ('resolved', 'closed')) AS resolved_at,
      uniqExact(event_id) AS events
    FROM ticket_events
    WHERE ${THIS_TICKET}
    GROUP BY ticket_id`,
});

const events = table({
  title: 'Events',
  question: 'What happened to this ticket, in order?',
  note: `${window} text is the first 300 characters of the body.`,
  tables: ['ticket_events'],
  columns: ['occurred_at', 'type', 'status', 'team', 'agent_id', 'priority', 'csat', 'subject', 'text', 'source', 'received_at'],
  height: 16,
  sql: sql`
    SELECT
      occurred_at, type, status, team, agent_id, priority, csat, subject,
      substringUTF8(body, 1, 300) AS text,
      source, received_at
    FROM ticket_events FINAL
    WHERE ${THIS_TICKET}
    ORDER BY occurred_at, event_id`,
});

export const ticketTimeline: DashboardSpec = {
  uid: TICKET_DASHBOARD_UID,
  file: 'ticket-timeline.json',
  title: 'TicketPulse — Ticket timeline',
  description: 'Every event of one ticket. Ticket ids in other dashboards link here.',
  tags: ['ticket'],
  variables: [ticketId],
  refresh: '',
  rows: [{ title: 'Ticket', panels: [summary, events] }],
};
