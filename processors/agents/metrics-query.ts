// Runs the agent metrics queries (SQL in metrics-sql.ts) and turns their rows into
// per-window metrics: the case-mix norms and open tickets first, then the metrics,
// whose per-band sums are cumulated into the windows here.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import { OPEN_TYPE_SQL, buildMetricsQuery, buildNormsQuery, type CaseMixNorms, type MetricsQueryOptions } from './metrics-sql.ts';
import type { AgentSkillMetrics } from './types.ts';

type Raw = Record<string, string | number | null>;

export interface AgentMetricsResult {
  metrics: AgentSkillMetrics[];
  /** Open tickets per agent at `now`. */
  open: Map<string, number>;
}

export async function queryAgentMetrics(ch: ClickHouse, opts: MetricsQueryOptions): Promise<AgentMetricsResult> {
  let rows: Raw[];
  const open = new Map<string, number>();
  try {
    const n = buildNormsQuery(opts);
    const normRows = await (await ch.client.query({ query: n.query, query_params: n.params, format: 'JSONEachRow' })).json<{
      cell: string;
      open_agent: string;
      tickets: string | number;
      frt_norm: number | null;
      handle_norm: number | null;
    }>();
    const norms: CaseMixNorms = { cells: [], frt: [], handle: [] };
    for (const r of normRows) {
      if (r.open_agent !== '') open.set(r.open_agent, Number(r.tickets));
      else if (r.cell !== '' && r.cell !== '0') {
        norms.cells.push(BigInt(r.cell));
        norms.frt.push(Number(r.frt_norm ?? 0));
        norms.handle.push(Number(r.handle_norm ?? 0));
      }
    }
    const { query, params } = buildMetricsQuery(opts, norms);
    const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
    rows = await rs.json<Raw>();
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `agent metrics query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
  const num = (v: string | number | null) => (v === null ? 0 : Number(v));
  // Cumulate the bands into windows: window k = bands 0..k.
  const byKey = new Map<string, Raw[]>();
  for (const r of rows) {
    const key = `${r.agent_id}\u0000${r.skill}`;
    const list = byKey.get(key);
    if (list) list.push(r);
    else byKey.set(key, [r]);
  }
  const out: AgentSkillMetrics[] = [];
  for (const bands of byKey.values()) {
    opts.windowsDays.forEach((window, k) => {
      const inside = bands.filter((b) => num(b.band) <= k);
      const total = (name: string) => inside.reduce((acc, b) => acc + num(b[name]), 0);
      const tickets = total('tickets');
      const frtN = total('frt_n');
      if (tickets === 0 && frtN === 0) return;
      const latest = inside.filter((b) => num(b.tickets) > 0).sort((a, b) => num(b.last_seen_ms) - num(a.last_seen_ms))[0];
      const handleN = total('handle_n');
      const frtSum = total('frt_sum');
      const handleSum = total('handle_sum');
      out.push({
        window_days: window,
        agent_id: String(bands[0].agent_id),
        skill: String(bands[0].skill),
        team: String(latest?.team_now ?? ''),
        last_seen_ms: num(latest?.last_seen_ms ?? 0),
        tickets,
        settled: total('settled'),
        resolved: total('resolved'),
        reopened: total('reopened'),
        transfers_out: total('transfers_out'),
        csat_n: total('csat_n'),
        csat_good: total('csat_good'),
        csat_sum: total('csat_sum'),
        sla_n: total('sla_n'),
        sla_met: total('sla_met'),
        frt_n: frtN,
        frt_mean: frtN > 0 ? frtSum / frtN : 0,
        frt_m2: frtN > 0 ? Math.max(0, total('frt_sq') - (frtSum * frtSum) / frtN) : 0,
        frt_typical_s: frtN > 0 ? Math.expm1(total('frt_log') / frtN) : null,
        handle_n: handleN,
        handle_mean: handleN > 0 ? handleSum / handleN : 0,
        handle_m2: handleN > 0 ? Math.max(0, total('handle_sq') - (handleSum * handleSum) / handleN) : 0,
        handle_typical_s: handleN > 0 ? Math.expm1(total('handle_log') / handleN) : null,
      });
    });
  }
  return { metrics: out, open };
}

/** Open tickets per agent now: the ticket's latest lifecycle event is not a resolution or close. */
export async function queryOpenTickets(ch: ClickHouse, now: number, lookbackDays: number): Promise<Map<string, number>> {
  const query = `
SELECT agent, count() AS open_tickets
FROM
(
  SELECT
    ticket_id,
    ${OPEN_TYPE_SQL} AS last_type,
    argMaxIf(agent_id, occurred_at, agent_id != '') AS agent
  FROM ticket_events FINAL
  WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
  GROUP BY ticket_id
)
WHERE agent != '' AND last_type NOT IN ('resolved', 'closed')
GROUP BY agent
`;
  try {
    const rs = await ch.client.query({
      query,
      query_params: { from: toClickHouseTime(now - lookbackDays * 86_400_000), to: toClickHouseTime(now) },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ agent: string; open_tickets: string | number }>();
    return new Map(rows.map((r) => [r.agent, Number(r.open_tickets)]));
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `open tickets query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}
