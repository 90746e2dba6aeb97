// Operations: volume, backlog, response and resolution times, satisfaction. All of it
// is computed from the raw event log, per ticket, with aggregates that a replayed event
// cannot change (see sql.ts).
import type { DashboardSpec } from '../build.ts';
import { ticketLink } from '../links.ts';
import { barChart, barGauge, stat, table, timeSeries } from '../panels.ts';
import { LOOKBACK_DAYS, LOOKBACK_START, backlogChangesCte, dimsCte, ratingsCte, sql, ticketFilters, ticketsCte } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

const FILTERS = ticketFilters();
/** Tickets created in the dashboard range. */
const CREATED = ticketsCte();
/** Tickets created up to LOOKBACK_DAYS before the range: the ones that can still be open. */
const FOLLOWED = ticketsCte(LOOKBACK_START);
const RATED = `${ratingsCte()},\n${dimsCte('ratings')}`;
const EVENTS: ['ticket_events'] = ['ticket_events'];

const createdNote = 'Counts tickets created in the time range; filters apply to each ticket’s latest tenant, team, priority and channel.';
const lookbackNote = `Follows tickets created up to ${LOOKBACK_DAYS} days before the range start; a ticket open longer than that is not counted.`;

// ---------------------------------------------------------------------------
// Headline numbers

const ticketsCreated = stat({
  title: 'Tickets created',
  question: 'How many tickets were opened in this period?',
  note: createdNote,
  tables: EVENTS,
  values: ['tickets'],
  sql: sql`
    WITH ${CREATED}
    SELECT count() AS tickets
    FROM tickets
    WHERE ${FILTERS}`,
});

const resolutionRate = stat({
  title: 'Resolved so far',
  question: 'What share of the tickets opened in this period is resolved or closed by its end?',
  note: createdNote,
  tables: EVENTS,
  values: ['resolved_share'],
  unit: 'percentunit',
  decimals: 1,
  sql: sql`
    WITH ${CREATED}
    SELECT countIf(is_done) / greatest(count(), 1) AS resolved_share
    FROM tickets
    WHERE ${FILTERS}`,
});

const openBacklog = stat({
  title: 'Open backlog',
  question: 'How many tickets are open at the end of the period?',
  note: `Open = created, and not resolved or closed since its last (re)opening. ${lookbackNote}`,
  tables: EVENTS,
  values: ['open_tickets'],
  sql: sql`
    WITH ${FOLLOWED}
    SELECT countIf(NOT is_done) AS open_tickets
    FROM tickets
    WHERE ${FILTERS}`,
});

const csatNow = stat({
  title: 'CSAT',
  question: 'What share of customers who rated us in this period gave 4 or 5 out of 5?',
  note: 'Latest rating per ticket, rated in the time range.',
  tables: EVENTS,
  values: ['csat'],
  unit: 'percentunit',
  decimals: 1,
  sql: sql`
    WITH
      ${RATED}
    SELECT countIf(score >= 4) / greatest(count(), 1) AS csat
    FROM ratings
    INNER JOIN dims USING (ticket_id)
    WHERE ${FILTERS}`,
});

// ---------------------------------------------------------------------------
// Volume

const volumeByChannel = timeSeries({
  title: 'Ticket volume by channel',
  question: 'How many tickets arrive, through which channel, and how does it change over time?',
  note: createdNote,
  tables: EVENTS,
  values: ['tickets'],
  labels: ['channel'],
  stacked: true,
  bars: true,
  sql: sql`
    WITH ${CREATED}
    SELECT $__timeInterval(created_at) AS time, channel, count() AS tickets
    FROM tickets
    WHERE ${FILTERS}
    GROUP BY time, channel
    ORDER BY time, channel`,
});

const topCategories = barGauge({
  title: 'Top 10 categories',
  question: 'What are customers writing about most?',
  note: createdNote,
  tables: EVENTS,
  category: 'category',
  values: ['tickets'],
  sql: sql`
    WITH ${CREATED}
    SELECT if(category = '', '(none)', category) AS category, count() AS tickets
    FROM tickets
    WHERE ${FILTERS}
    GROUP BY category
    ORDER BY tickets DESC, category
    LIMIT 10`,
});

const topIssues = table({
  title: 'Top 10 issues (category × product)',
  question: 'Which product problems generate the most tickets, and are they being resolved?',
  note: `${createdNote} Share is of all tickets matching the filters; median resolution counts resolved tickets only.`,
  tables: EVENTS,
  columns: ['category', 'product', 'tickets', 'share', 'still_open', 'median_resolution_h'],
  units: { share: 'percentunit', median_resolution_h: 'h' },
  height: 8,
  sql: sql`
    WITH ${CREATED}
    SELECT
      if(category = '', '(none)', category) AS category,
      if(product = '', '(none)', product) AS product,
      count() AS tickets,
      count() / sum(count()) OVER () AS share,
      countIf(NOT is_done) AS still_open,
      round(quantileExact(0.5)(dateDiff('second', created_at, resolved_at) / 3600), 1) AS median_resolution_h
    FROM tickets
    WHERE ${FILTERS}
    GROUP BY category, product
    ORDER BY tickets DESC, category, product
    LIMIT 10`,
});

// ---------------------------------------------------------------------------
// Teams

const teamRanking = table({
  title: 'Team resolution ranking',
  question: 'Which teams resolve the tickets they receive, and how fast?',
  note: `${createdNote} Resolution rate = resolved or closed by the end of the range / created. Times are wall-clock, not business hours (the SLA dashboard has those).`,
  tables: EVENTS,
  columns: ['team', 'tickets', 'resolved', 'resolution_rate', 'median_first_reply_min', 'median_resolution_h'],
  units: { median_first_reply_min: 'm', median_resolution_h: 'h' },
  gauges: { resolution_rate: [0, 1] },
  height: 7,
  sql: sql`
    WITH ${CREATED}
    SELECT
      team,
      count() AS tickets,
      countIf(is_done) AS resolved,
      countIf(is_done) / count() AS resolution_rate,
      round(quantileExact(0.5)(dateDiff('second', created_at, first_reply_at) / 60), 1) AS median_first_reply_min,
      round(quantileExact(0.5)(dateDiff('second', created_at, resolved_at) / 3600), 1) AS median_resolution_h
    FROM tickets
    WHERE ${FILTERS}
    GROUP BY team
    ORDER BY resolution_rate DESC, tickets DESC, team`,
});

// ---------------------------------------------------------------------------
// Backlog

const backlogTrend = timeSeries({
  title: 'Open backlog over time',
  question: 'Is the backlog of open tickets growing or shrinking?',
  note: `The number of open tickets at the end of each interval. ${lookbackNote}`,
  tables: EVENTS,
  values: ['open_tickets'],
  sql: sql`
    WITH
      ${FOLLOWED},
      ${backlogChangesCte()}
    SELECT
      time,
      opening + sum(change) OVER (ORDER BY time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_tickets
    FROM (
      SELECT $__timeInterval(occurred_at) AS time, sum(delta) AS change
      FROM changes
      WHERE occurred_at >= $__fromTime
      GROUP BY time
    ) AS buckets
    CROSS JOIN (SELECT sum(delta) AS opening FROM changes WHERE occurred_at < $__fromTime) AS before
    ORDER BY time`,
});

const oldestOpen = table({
  title: 'Oldest open tickets',
  question: 'Which open tickets have waited longest?',
  note: `Open at the end of the range, oldest first. ${lookbackNote}`,
  tables: EVENTS,
  columns: ['ticket_id', 'created_at', 'age_h', 'team', 'priority', 'channel', 'status'],
  units: { age_h: 'h' },
  links: { ticket_id: ticketLink() },
  width: 12,
  height: 8,
  sql: sql`
    WITH ${FOLLOWED}
    SELECT
      ticket_id,
      created_at,
      round(dateDiff('second', created_at, $__toTime) / 3600, 1) AS age_h,
      team,
      priority,
      channel,
      status
    FROM tickets
    WHERE NOT is_done AND ${FILTERS}
    ORDER BY created_at, ticket_id
    LIMIT 20`,
});

// ---------------------------------------------------------------------------
// Response and resolution times

const firstResponseDistribution = barChart({
  title: 'First response time distribution',
  question: 'How long do customers wait for the first agent reply?',
  note: `${createdNote} Wall-clock time from creation to the first agent reply; tickets without a reply yet are left out.`,
  tables: EVENTS,
  category: 'wait',
  values: ['tickets'],
  sql: sql`
    WITH
      ${CREATED},
      replied AS (
        SELECT dateDiff('second', created_at, first_reply_at) / 60 AS minutes
        FROM tickets
        WHERE first_reply_at IS NOT NULL AND ${FILTERS}
      )
    SELECT bucket.1 AS wait, bucket.2 AS tickets
    FROM (
      SELECT arrayJoin([
        ('< 15 min', countIf(minutes < 15)),
        ('15–60 min', countIf(minutes >= 15 AND minutes < 60)),
        ('1–4 h', countIf(minutes >= 60 AND minutes < 240)),
        ('4–8 h', countIf(minutes >= 240 AND minutes < 480)),
        ('8–24 h', countIf(minutes >= 480 AND minutes < 1440)),
        ('> 24 h', countIf(minutes >= 1440))
      ]) AS bucket
      FROM replied
    )`,
});

const resolutionDistribution = barChart({
  title: 'Resolution time distribution',
  question: 'How long does it take to resolve a ticket?',
  note: `${createdNote} Wall-clock time from creation to the first resolution; open tickets are left out.`,
  tables: EVENTS,
  category: 'duration',
  values: ['tickets'],
  sql: sql`
    WITH
      ${CREATED},
      resolved AS (
        SELECT dateDiff('second', created_at, resolved_at) / 3600 AS hours
        FROM tickets
        WHERE resolved_at IS NOT NULL AND ${FILTERS}
      )
    SELECT bucket.1 AS duration, bucket.2 AS tickets
    FROM (
      SELECT arrayJoin([
        ('< 1 h', countIf(hours < 1)),
        ('1–4 h', countIf(hours >= 1 AND hours < 4)),
        ('4–8 h', countIf(hours >= 4 AND hours < 8)),
        ('8–24 h', countIf(hours >= 8 AND hours < 24)),
        ('1–3 d', countIf(hours >= 24 AND hours < 72)),
        ('> 3 d', countIf(hours >= 72))
      ]) AS bucket
      FROM resolved
    )`,
});

const firstResponseTrend = timeSeries({
  title: 'First response time (p50 / p90)',
  question: 'Are first replies getting faster or slower?',
  note: `By the ticket’s creation time. ${createdNote}`,
  tables: EVENTS,
  values: ['p50', 'p90'],
  unit: 'm',
  sql: sql`
    WITH ${CREATED}
    SELECT
      $__timeInterval(created_at) AS time,
      quantileExact(0.5)(dateDiff('second', created_at, first_reply_at) / 60) AS p50,
      quantileExact(0.9)(dateDiff('second', created_at, first_reply_at) / 60) AS p90
    FROM tickets
    WHERE first_reply_at IS NOT NULL AND ${FILTERS}
    GROUP BY time
    ORDER BY time`,
});

const resolutionTrend = timeSeries({
  title: 'Resolution time (p50 / p90)',
  question: 'Are tickets getting resolved faster or slower?',
  note: `By the ticket’s creation time, resolved tickets only: the most recent intervals look faster until their slow tickets resolve. ${createdNote}`,
  tables: EVENTS,
  values: ['p50', 'p90'],
  unit: 'h',
  sql: sql`
    WITH ${CREATED}
    SELECT
      $__timeInterval(created_at) AS time,
      quantileExact(0.5)(dateDiff('second', created_at, resolved_at) / 3600) AS p50,
      quantileExact(0.9)(dateDiff('second', created_at, resolved_at) / 3600) AS p90
    FROM tickets
    WHERE resolved_at IS NOT NULL AND ${FILTERS}
    GROUP BY time
    ORDER BY time`,
});

// ---------------------------------------------------------------------------
// Satisfaction

const csatTrend = timeSeries({
  title: 'CSAT trend',
  question: 'Is customer satisfaction improving?',
  note: 'CSAT = share of ratings that are 4 or 5 (left axis); average score 1–5 (right axis). Latest rating per ticket, by the time it was given.',
  tables: EVENTS,
  values: ['csat', 'avg_score'],
  unit: 'percentunit',
  min: 0,
  rightAxis: { avg_score: 'none' },
  sql: sql`
    WITH
      ${RATED}
    SELECT
      $__timeInterval(rated_at) AS time,
      countIf(score >= 4) / count() AS csat,
      avg(score) AS avg_score
    FROM ratings
    INNER JOIN dims USING (ticket_id)
    WHERE ${FILTERS}
    GROUP BY time
    ORDER BY time`,
});

const csatByTeam = barGauge({
  title: 'CSAT by team',
  question: 'Which teams leave customers satisfied?',
  note: 'Share of ratings that are 4 or 5, by the ticket’s team; latest rating per ticket, given in the time range.',
  tables: EVENTS,
  category: 'team',
  values: ['csat'],
  unit: 'percentunit',
  sql: sql`
    WITH
      ${RATED}
    SELECT team, countIf(score >= 4) / count() AS csat
    FROM ratings
    INNER JOIN dims USING (ticket_id)
    WHERE ${FILTERS}
    GROUP BY team
    ORDER BY csat DESC, team`,
});

export const operations: DashboardSpec = {
  uid: 'ticketpulse-operations',
  file: 'operations.json',
  title: 'TicketPulse — Operations',
  description: 'Ticket volume, backlog, response and resolution times and satisfaction, computed from the raw event log.',
  tags: ['operations'],
  variables: TICKET_VARIABLES,
  rows: [
    { title: 'Headline', panels: [ticketsCreated, resolutionRate, openBacklog, csatNow] },
    { title: 'Volume', panels: [volumeByChannel, topCategories, topIssues] },
    { title: 'Teams', panels: [teamRanking] },
    { title: 'Backlog', panels: [backlogTrend, oldestOpen] },
    { title: 'Response and resolution times', panels: [firstResponseDistribution, resolutionDistribution, firstResponseTrend, resolutionTrend] },
    { title: 'Satisfaction', panels: [csatTrend, csatByTeam] },
  ],
};
