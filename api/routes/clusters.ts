// Root-cause clusters: the tracker's latest state of every cluster (label, size,
// growth, concentration, profile, samples) and a cluster's member tickets. The route
// sees them only through ClustersPort (core/ports), never the tracker itself.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
import {
  CLUSTER_STATUS_VALUES,
  ClusterListSchema,
  ClusterTicketsSchema,
  type ClusterStatusValue,
  type ClustersPort,
  type ListClustersQuery,
} from '../../core/ports/clusters.ts';
import { badParam, checkKnown, limitParam, parseInstant, singleParam } from '../query-params.ts';
import { ErrorResponse } from '../schemas.ts';

export interface ClustersRouteOptions {
  clusters: ClustersPort;
  /** Injectable clock for tests (epoch ms). */
  now?: () => number;
}

const DEFAULT_SINCE_MS = 86_400_000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;
const DEFAULT_TICKETS = 100;
const MAX_TICKETS = 10_000;
const CLUSTER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const ClustersQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 256, description: `comma-separated: ${CLUSTER_STATUS_VALUES.join(', ')}` })),
  since: Type.Optional(Type.String({ maxLength: 64, description: "clusters with a ticket at or after: ISO-8601 with offset, or relative ('30m', '24h', '7d'); default 24h" })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: `1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})` })),
});
const TicketsQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: `1–${MAX_TICKETS} (default ${DEFAULT_TICKETS})` })),
});
const TicketsParams = Type.Object({ id: Type.String({ maxLength: 128 }) });

export const clustersRoutes: FastifyPluginAsync<ClustersRouteOptions> = async (app, opts) => {
  const port = opts.clusters;
  const now = opts.now ?? Date.now;

  app.get(
    '/v1/clusters',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Root-cause clusters, emerging first',
        description:
          'The latest state of every tracked cluster of similar tickets: label, size, growth, status (emerging | active | subsiding | closed), ' +
          'the attribute value it concentrates on, the suggested owner, the attribute profile and sample subjects. Filters: status, since.',
        tags: ['clusters'],
        querystring: ClustersQuery,
        response: { 200: ClusterListSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.list(parseClustersQuery(request.query as Record<string, unknown>, now())),
  );

  app.get(
    '/v1/clusters/:id/tickets',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A cluster's tickets in its latest run, newest first",
        tags: ['clusters'],
        params: TicketsParams,
        querystring: TicketsQuery,
        response: { 200: ClusterTicketsSchema, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      if (!CLUSTER_ID.test(id)) throw badParam('id', `expected a cluster id such as rc-20261117-1015-0, got ${JSON.stringify(id)}`);
      const query = request.query as Record<string, unknown>;
      checkKnown(query, ['limit']);
      const limit = limitParam(query, DEFAULT_TICKETS, MAX_TICKETS);
      const out = await port.tickets(id, limit);
      if (!out) throw new TicketPulseError('not_found', `no cluster ${id}`);
      return out;
    },
  );
};

export function parseClustersQuery(query: Record<string, unknown>, nowMs: number): ListClustersQuery {
  checkKnown(query, ['status', 'since', 'limit']);
  const out: ListClustersQuery = { since: nowMs - DEFAULT_SINCE_MS, limit: limitParam(query, DEFAULT_LIMIT, MAX_LIMIT) };
  const since = singleParam(query, 'since');
  if (since !== undefined) out.since = parseInstant(since, 'since', nowMs);
  const status = singleParam(query, 'status');
  if (status !== undefined) {
    const values = status.split(',').map((v) => v.trim());
    for (const v of values) {
      if (!(CLUSTER_STATUS_VALUES as readonly string[]).includes(v)) throw badParam('status', `expected ${CLUSTER_STATUS_VALUES.join(', ')} (comma-separated), got ${JSON.stringify(v)}`);
    }
    out.status = [...new Set(values)] as ClusterStatusValue[];
  }
  return out;
}

