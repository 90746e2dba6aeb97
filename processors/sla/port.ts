// SlaPort (core/ports/sla.ts) over ClickHouse: what the API reads. Explanations are
// computed now from the ticket's events (the stored row may be a minute old); the
// at-risk list and compliance come from ticket_sla with the shared SQL builders.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { AtRiskList, ComplianceReport, ComplianceRowDto, RecomputeReport, SlaPort, SlaTicketDto } from '../../core/ports/sla.ts';
import { buildAtRiskQuery, buildComplianceQuery, type BuiltQuery } from './compliance.ts';
import type { SlaConfig } from './defaults.ts';
import { explainTicket } from './explain.ts';
import { readHistories } from './history-reader.ts';
import type { SlaProcessor } from './processor.ts';
import { SlaRowStore } from './row-store.ts';

export interface SlaPortOptions {
  ch: ClickHouse;
  config: SlaConfig;
  /** Enables recompute; without it the port only reads. */
  processor?: SlaProcessor;
  now?: () => number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function createSlaPort(opts: SlaPortOptions): SlaPort {
  const { ch, config } = opts;
  const now = opts.now ?? Date.now;
  const store = new SlaRowStore(ch);

  const run = async <T>(q: BuiltQuery): Promise<T[]> => {
    try {
      const rs = await ch.client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `SLA query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  };

  const port: SlaPort = {
    async explainTicket(ticketId): Promise<SlaTicketDto | null> {
      const [history] = await readHistories(ch, { kind: 'ids', ids: [ticketId] });
      if (!history || history.events.length === 0) return null;
      const stored = await store.ticketRows(ticketId);
      return explainTicket(history.events, config, now(), stored);
    },

    async atRisk(req): Promise<AtRiskList> {
      const rows = await run<Record<string, unknown>>(
        buildAtRiskQuery({ now: req.now, metrics: req.metrics, where: req.where, includeBreached: req.includeBreached, limit: req.limit }),
      );
      return {
        now: iso(req.now),
        items: rows.map((r) => {
          const deadline = num(r.deadline_ms) ?? num(r.breached_at_ms);
          return {
            ticket_id: String(r.ticket_id),
            metric: String(r.metric),
            tenant: String(r.tenant),
            team: String(r.team),
            priority: String(r.priority),
            category: String(r.category),
            channel: String(r.channel),
            customer_tier: String(r.customer_tier),
            status: String(r.status),
            policy: String(r.policy),
            target_minutes: Number(r.target_minutes),
            deadline: deadline === null ? null : iso(deadline),
            minutes_left: deadline === null ? null : Math.round(((deadline - req.now) / 60_000) * 100) / 100,
            levels_reached: (r.levels_reached as string[]) ?? [],
            breached: Number(r.is_breached) === 1 || r.is_breached === true,
            computed_at: iso(Number(r.computed_at_ms)),
          };
        }),
      };
    },

    async compliance(req): Promise<ComplianceReport> {
      const rows = await run<Record<string, unknown>>(
        buildComplianceQuery({ from: req.from, to: req.to, metrics: req.metrics, groupBy: req.groupBy, bucket: req.bucket, where: req.where }),
      );
      return {
        from: iso(req.from),
        to: iso(req.to),
        metrics: req.metrics,
        group_by: req.groupBy,
        bucket: req.bucket ?? null,
        rows: rows.map((r) => {
          const out: Record<string, unknown> = {};
          if (req.bucket !== undefined) out.bucket = iso(Number(r.bucket));
          for (const g of req.groupBy) out[g] = String(r[g]);
          out.met = Number(r.met);
          out.breached = Number(r.breached);
          out.decided = Number(r.decided);
          out.compliance = num(r.compliance);
          out.median_minutes = num(r.median_minutes);
          out.p90_minutes = num(r.p90_minutes);
          return out as ComplianceRowDto;
        }),
      };
    },
  };
  const processor = opts.processor;
  if (processor) {
    port.recompute = async (req): Promise<RecomputeReport> => {
      const r = await processor.recompute({ since: req.since, openOnly: req.openOnly });
      return { tickets: r.tickets, rows: r.rows, breached: r.breached, chunks: r.chunks, duration_ms: Math.round(r.durationMs) };
    };
  }
  return port;
}
