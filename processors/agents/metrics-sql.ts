// Agent × skill metrics over sliding windows, computed inside ClickHouse from the
// deduplicated event log (FINAL) over the longest window: one small query for the
// case-mix norms, then one for the metrics of every window at once.
//
// Attribution (docs/routing.md, "Metrics"):
//  - an agent handled a ticket if any event carried their agent_id, or a `transferred`
//    event named them in attributes.from_agent (so transfers out count against them);
//  - the skill and team are the values on the agent's own latest event of the ticket;
//  - a held ticket belongs to a window by the agent's first event on it, a first
//    response by the ticket's creation (first event when `created` is missing), so the
//    shorter windows are subsets of the longest one;
//  - the resolution rate counts the tickets the agent worked on (replied to or
//    resolved) that are resolved, transferred out or past the grace period;
//  - first response is credited to the agent who sent the ticket's first reply;
//    handle time runs from the agent's first event on the ticket to their resolution;
//  - times are compared within the case mix (e.g. channel × priority × tier) through
//    residuals of log(1 + seconds) from the skill × mix norm, since a phone ticket and
//    an email ticket are not answered on the same clock. The norm is per ticket: the
//    ticket's first response, and first assignment → first resolution.
import { AGENT_DIMENSION_COLUMNS } from '../../core/config/agents.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { SlaSource } from './sla-source.ts';

/** A ticket's latest lifecycle event type: open unless it is a resolution or close. */
export const OPEN_TYPE_SQL = "argMaxIf(type, occurred_at, type IN ('created', 'assigned', 'transferred', 'reopened', 'resolved', 'closed'))";

export interface MetricsQueryOptions {
  skillDimension: string;
  caseMix: readonly string[];
  windowsDays: readonly number[];
  openGraceHours: number;
  sla: SlaSource | null;
  now: number;
}

interface Dimension {
  expr: string;
  params: Record<string, string>;
}

/** A ticket column by name (from an allowlist), or an attribute bound as a parameter. */
export function dimensionExpr(dim: string, param: string): Dimension {
  if ((AGENT_DIMENSION_COLUMNS as readonly string[]).includes(dim)) return { expr: dim, params: {} };
  const m = /^attributes\.(.+)$/.exec(dim);
  if (m) return { expr: `attributes[{${param}:String}]`, params: { [param]: m[1] } };
  throw new TicketPulseError('config_invalid', `unknown ticket dimension ${JSON.stringify(dim)}`, { field: 'agents.skillDimension' });
}

interface QueryParts {
  params: Record<string, unknown>;
  ev: string;
  sla: string;
  slaJoin: string;
  timeLog: (wall: string, slaMinutes: string) => string;
  /** SQL for a ticket's case-mix key from the events being aggregated. */
  mixOf: string;
}

function parts(opts: MetricsQueryOptions): QueryParts {
  const skill = dimensionExpr(opts.skillDimension, 'skill_key');
  const mixParts = opts.caseMix.map((d, i) => dimensionExpr(d, `mix_key_${i}`));
  // The case mix travels as a 64-bit hash: argMax over tuples of strings, string keys
  // and string lookups made the case mix cost as much as everything else together.
  const mixHash = mixParts.length === 0 ? 'toUInt64(0)' : `cityHash64(${mixParts.map((p) => p.expr).join(', ')})`;
  const maxWindow = Math.max(...opts.windowsDays);
  const sla = opts.sla;
  const logSeconds = (ms: string) => `log1p(greatest(${ms}, 0) / 1000.0)`;
  const params: Record<string, unknown> = {
    ...skill.params,
    ...Object.assign({}, ...mixParts.map((p) => p.params)),
    from: toClickHouseTime(opts.now - maxWindow * 86_400_000),
    to: toClickHouseTime(opts.now),
    settled_before: toClickHouseTime(opts.now - opts.openGraceHours * 3_600_000),
  };
  const ev = `
  ev AS (
    SELECT ticket_id, type, occurred_at, agent_id, team, csat,
      ${skill.expr} AS skill_value,
      ${mixHash} AS mix_h,
      if(type = 'transferred', attributes['from_agent'], '') AS from_agent
    FROM ticket_events FINAL
    WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
  )`;
  const slaCte = sla
    ? `,
  sla AS (
    SELECT
      ticket_id,
      1 AS has_sla,
      maxIf(elapsed, metric = 'first_response') AS sla_frt_min,
      maxIf(elapsed, metric = 'resolution') AS sla_res_min,
      countIf(state = 'met') AS sla_met_metrics,
      countIf(state = 'breached') AS sla_breached_metrics
    FROM
    (
      SELECT ticket_id, metric, argMax(state, ${sla.versionColumn}) AS state, argMax(${sla.elapsedMinutes}, ${sla.versionColumn}) AS elapsed
      FROM ticket_sla
      WHERE ${
        sla.createdColumn
          ? `${sla.createdColumn} >= {from:DateTime64(3, 'UTC')}`
          : "ticket_id IN (SELECT ticket_id FROM ticket_events WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')})"
      }
      GROUP BY ticket_id, metric
    )
    GROUP BY ticket_id
  )`
    : '';
  return {
    params,
    ev,
    sla: slaCte,
    slaJoin: sla ? ' LEFT JOIN sla USING ticket_id' : '',
    // Business minutes from ticket_sla when the ticket has them, else wall clock from the log.
    timeLog: (wall, slaMinutes) =>
      sla ? `if(has_sla = 1 AND isNotNull(${slaMinutes}), log1p(greatest(${slaMinutes}, 0) * 60), ${logSeconds(wall)})` : logSeconds(wall),
    mixOf: 'argMax(mix_h, occurred_at)',
  };
}

/**
 * One ticket-level pass for two things: the case-mix norms — mean log time per skill ×
 * mix (first response: created → first reply; handling: first assignment → first
 * resolution) — and the open tickets per agent (latest lifecycle event not a
 * resolution or close), as two grouping sets of the same aggregation.
 */
export function buildNormsQuery(opts: MetricsQueryOptions): { query: string; params: Record<string, unknown> } {
  const p = parts(opts);
  const query = `
WITH${p.ev},
  tk AS (
    SELECT
      ticket_id,
      argMaxIf(skill_value, occurred_at, skill_value != '') AS skill,
      ${p.mixOf} AS mix,
      ifNull(minIfOrNull(occurred_at, type = 'created'), min(occurred_at)) AS created_at,
      minIfOrNull(occurred_at, type = 'agent_replied') AS first_reply_at,
      minIfOrNull(occurred_at, agent_id != '') AS first_held_at,
      minIfOrNull(occurred_at, type = 'resolved') AS first_resolved_at,
      ${OPEN_TYPE_SQL} AS last_type,
      argMaxIf(agent_id, occurred_at, agent_id != '') AS holder
    FROM ev
    GROUP BY ticket_id
  )${p.sla}
SELECT
  -- As text: a UInt64 may reach JSON as a bare number, which JavaScript would round.
  toString(if(skill = '', toUInt64(0), cityHash64(skill, mix))) AS cell,
  if(holder != '' AND last_type NOT IN ('resolved', 'closed'), holder, '') AS open_agent,
  count() AS tickets,
  avgOrNull(if(isNull(first_reply_at), NULL, ${p.timeLog("dateDiff('millisecond', created_at, first_reply_at)", 'sla_frt_min')})) AS frt_norm,
  avgOrNull(if(isNull(first_resolved_at) OR isNull(first_held_at), NULL,
    ${p.timeLog("dateDiff('millisecond', first_held_at, first_resolved_at)", 'sla_res_min')})) AS handle_norm
FROM tk${p.slaJoin}
GROUP BY GROUPING SETS ((cell), (open_agent))
HAVING cell != '' OR open_agent != ''
`;
  return { query, params: p.params };
}

function bandExpr(windows: number): string {
  if (windows === 1) return '0';
  const arms = Array.from({ length: windows - 1 }, (_, k) => `window_at >= {to:DateTime64(3, 'UTC')} - toIntervalDay({w_${k}:UInt16}), ${k}`);
  return `multiIf(${arms.join(', ')}, ${windows - 1})`;
}

export interface CaseMixNorms {
  /** cityHash64(skill, mix hash) of each skill × mix cell. */
  cells: bigint[];
  frt: number[];
  handle: number[];
}

/**
 * Per agent × skill × window. Two streams, summed per key: pair-level outcomes (every
 * ticket an agent held, in the window by the agent's first event on it) and
 * ticket-level first responses (credited to the first replier, in the window by the
 * ticket's creation). Times enter as residuals from the case-mix norm, looked up with
 * transform() — no joins, no window functions on the hot path.
 */
export function buildMetricsQuery(opts: MetricsQueryOptions, norms: CaseMixNorms = { cells: [], frt: [], handle: [] }): { query: string; params: Record<string, unknown> } {
  const p = parts(opts);
  const cell = (skill: string, mix: string) => `cityHash64(${skill}, ${mix})`;
  const query = `
WITH${p.ev}${p.sla},
  pairs AS (
    SELECT
      ticket_id,
      agent,
      argMaxIf(skill_value, occurred_at, agent_id = agent AND skill_value != '') AS skill,
      argMaxIf(team, occurred_at, agent_id = agent AND team != '') AS team,
      ${p.mixOf} AS mix,
      minIfOrNull(occurred_at, agent_id = agent) AS held_at,
      maxIf(occurred_at, agent_id = agent) AS last_at,
      countIf(type = 'agent_replied' AND agent_id = agent) > 0 AS replied,
      minIfOrNull(occurred_at, type = 'resolved' AND agent_id = agent) AS resolved_at,
      countIf(type = 'reopened' AND agent_id = agent) > 0 AS was_reopened,
      countIf(type = 'satisfaction_rated' AND agent_id = agent AND isNotNull(csat)) AS csat_n,
      sumIf(ifNull(csat, 0), type = 'satisfaction_rated' AND agent_id = agent) AS csat_sum,
      countIf(type = 'satisfaction_rated' AND agent_id = agent AND ifNull(csat, 0) >= 4) AS csat_good,
      countIf(type = 'transferred' AND from_agent = agent) AS transfers_out
    FROM ev
    ARRAY JOIN if(from_agent != '' AND from_agent != agent_id, [agent_id, from_agent], [agent_id]) AS agent
    WHERE agent != ''
    GROUP BY ticket_id, agent
  ),
  held AS (
    SELECT
      agent AS agent_id, skill, team, held_at AS window_at, last_at, 1 AS is_held,
      isNotNull(resolved_at) AS is_resolved,
      -- A ticket passed on before the agent ever replied was a routing correction, not a failed resolution.
      (is_resolved OR replied) AND (is_resolved OR transfers_out > 0 OR held_at <= {settled_before:DateTime64(3, 'UTC')}) AS is_settled,
      is_resolved AND was_reopened AS is_reopened,
      csat_n, csat_sum, csat_good, transfers_out,
      ${p.sla ? `if(is_resolved AND has_sla = 1 AND sla_met_metrics + sla_breached_metrics > 0, 1, 0) AS sla_n,
      if(sla_n = 1 AND sla_breached_metrics = 0, 1, 0) AS sla_met,` : '0 AS sla_n, 0 AS sla_met,'}
      CAST(NULL, 'Nullable(Float64)') AS frt_l,
      CAST(NULL, 'Nullable(Float64)') AS frt_r,
      if(is_resolved, ${p.timeLog("dateDiff('millisecond', held_at, resolved_at)", 'sla_res_min')}, NULL) AS handle_l,
      handle_l - transform(${cell('skill', 'mix')}, {cells:Array(UInt64)}, {handle_norms:Array(Float64)}, 0.0) AS handle_r
    FROM pairs${p.slaJoin}
    WHERE skill != ''
  ),
  firsts AS (
    SELECT
      ticket_id,
      argMinIf(agent_id, occurred_at, type = 'agent_replied') AS agent_id,
      argMaxIf(skill_value, occurred_at, skill_value != '') AS skill,
      ${p.mixOf} AS mix,
      ifNull(minIfOrNull(occurred_at, type = 'created'), min(occurred_at)) AS created_at,
      minIfOrNull(occurred_at, type = 'agent_replied') AS first_reply_at
    FROM ev
    GROUP BY ticket_id
    HAVING isNotNull(first_reply_at) AND agent_id != '' AND skill != ''
  ),
  replies AS (
    SELECT
      agent_id, skill, '' AS team, created_at AS window_at, toDateTime64(0, 3, 'UTC') AS last_at, 0 AS is_held,
      false AS is_resolved, false AS is_settled, false AS is_reopened,
      0 AS csat_n, 0 AS csat_sum, 0 AS csat_good, 0 AS transfers_out, 0 AS sla_n, 0 AS sla_met,
      ${p.timeLog("dateDiff('millisecond', created_at, first_reply_at)", 'sla_frt_min')} AS frt_l,
      frt_l - transform(${cell('skill', 'mix')}, {cells:Array(UInt64)}, {frt_norms:Array(Float64)}, 0.0) AS frt_r,
      CAST(NULL, 'Nullable(Float64)') AS handle_l,
      CAST(NULL, 'Nullable(Float64)') AS handle_r
    FROM firsts${p.slaJoin}
  )
SELECT
  agent_id,
  skill,
  band,
  argMaxIf(team, last_at, is_held = 1) AS team_now,
  toUnixTimestamp64Milli(max(last_at)) AS last_seen_ms,
  sum(is_held) AS tickets,
  countIf(is_settled) AS settled,
  countIf(is_resolved) AS resolved,
  countIf(is_reopened) AS reopened,
  sum(transfers_out) AS transfers_out,
  sum(csat_n) AS csat_n,
  sum(csat_good) AS csat_good,
  sum(csat_sum) AS csat_sum,
  sum(sla_n) AS sla_n,
  sum(sla_met) AS sla_met,
  count(frt_r) AS frt_n,
  sum(frt_r) AS frt_sum,
  sum(frt_r * frt_r) AS frt_sq,
  sum(frt_l) AS frt_log,
  count(handle_r) AS handle_n,
  sum(handle_r) AS handle_sum,
  sum(handle_r * handle_r) AS handle_sq,
  sum(handle_l) AS handle_log
FROM
(
  -- band k: inside window k but not window k − 1 (windows ascending); window k = bands ≤ k.
  SELECT *, ${bandExpr(opts.windowsDays.length)} AS band
  FROM
  (
    SELECT * FROM held
    UNION ALL
    SELECT * FROM replies
  )
)
GROUP BY agent_id, skill, band
`;
  const windowParams = Object.fromEntries(opts.windowsDays.map((w, k) => [`w_${k}`, w]));
  if (opts.windowsDays.some((w, k) => k > 0 && w <= opts.windowsDays[k - 1])) throw new TicketPulseError('internal', 'windowsDays must be ascending and distinct');
  return { query, params: { ...p.params, ...windowParams, cells: norms.cells, frt_norms: norms.frt, handle_norms: norms.handle } };
}
