// The overview's data: each page's panels (the Grafana panels' SQL, run here), the
// values its filters offer, and what the caller's key may do. Scope `read`; the
// alerts the "Now" page lists and acknowledges come from /v1/alerts (api/routes/alerts.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { AnalystSql } from '../../core/clickhouse/index.ts';
import { ErrorResponse } from '../schemas.ts';
import type { OverviewPage } from './pages.ts';
import { OverviewPanels, analystRunner, type RunSql } from './panels.ts';
import { parseOverviewQuery, type OverviewQuery } from './query.ts';
import { FilterOptionsResponse, OverviewParams, OverviewQuerystring, OverviewResponse, RangeQuerystring, SessionResponse } from './schemas.ts';

export interface OverviewRouteOptions {
  analyst: AnalystSql;
  /** Whether this process serves /v1/alerts (the "Now" page hides its alert list otherwise). */
  alerts: boolean;
  /** Runs panel SQL; the analysts' read engine when omitted (tests pass their own). */
  run?: RunSql;
  now?: () => number;
}

export const overviewDataRoutes: FastifyPluginAsync<OverviewRouteOptions> = async (app, opts) => {
  const panels = new OverviewPanels(opts.run ?? analystRunner(opts.analyst), app.log);
  const now = opts.now ?? Date.now;
  const range = (q: OverviewQuery) => ({ from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), interval_ms: q.intervalMs });

  app.get(
    '/v1/overview/session',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'What the caller may do on the overview page',
        description: 'Whether the API runs open (no keys), the key id and its scopes (acknowledging alerts needs `admin`).',
        tags: ['overview'],
        response: { 200: SessionResponse },
      },
    },
    async (request) => {
      const p = request.principal!;
      return { open: p.open, key_id: p.open ? null : p.keyId, scopes: [...p.scopes].sort(), alerts: opts.alerts };
    },
  );

  app.get(
    '/v1/overview/filters',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Values the overview filters offer in a time range',
        description: "The dashboards' own variable queries (tenant, team, priority, channel) over the range.",
        tags: ['overview'],
        querystring: RangeQuerystring,
        response: { 200: FilterOptionsResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = parseOverviewQuery(request.query as Record<string, unknown>, now(), ['from', 'to']);
      return { range: range(q), ...(await panels.filterOptions(q)) };
    },
  );

  app.get(
    '/v1/overview/:page',
    {
      config: { scope: 'read' },
      schema: {
        summary: "One overview page's panels, run now",
        description:
          'Runs the Grafana panels the page shows (same SQL, expanded as the Grafana ClickHouse plugin does) for the range and filters, read-only with the SQL limits. ' +
          'Pages: now (SLA compliance, at-risk tickets), volume (tickets by channel, top categories, surges), root-causes (active batches), agents (skill leaderboard, routing weights). ' +
          'A panel whose table does not exist yet answers status pending; a failed panel answers status error, the others still answer.',
        tags: ['overview'],
        params: OverviewParams,
        querystring: OverviewQuerystring,
        response: { 200: OverviewResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { page } = request.params as { page: OverviewPage };
      const at = now();
      const q = parseOverviewQuery(request.query as Record<string, unknown>, at);
      const result = await panels.page(page, q);
      return { page, generated_at: new Date(at).toISOString(), range: range(q), filters: q.filters, panels: result };
    },
  );
};
