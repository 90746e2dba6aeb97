// The seam between the API and the root-cause tracker: the API lists tracked clusters
// and their tickets through this interface, never through processors/root-cause.
import Type, { type Static } from 'typebox';

export const CLUSTER_STATUS_VALUES = ['emerging', 'active', 'subsiding', 'closed'] as const;
export type ClusterStatusValue = (typeof CLUSTER_STATUS_VALUES)[number];

const Time = Type.String({ description: 'ISO-8601, UTC' });

const ValueShareSchema = Type.Object({ value: Type.String(), count: Type.Integer(), share: Type.Number() });

export const ClusterDtoSchema = Type.Object({
  cluster_id: Type.String({ description: 'stable across tracking runs' }),
  status: Type.String({ description: 'emerging | active | subsiding | closed' }),
  surging: Type.Boolean(),
  label: Type.String(),
  top_terms: Type.Array(Type.String()),
  size: Type.Integer({ description: 'tickets in the tracking window' }),
  recent: Type.Integer({ description: 'of which created in the recent part of the window' }),
  growth: Type.Number({ description: 'recent rate ÷ earlier rate within the window' }),
  first_seen: Time,
  last_seen: Time,
  run_at: Time,
  concentration: Type.Union([
    Type.Object({ attribute: Type.String(), value: Type.String(), share: Type.Number(), base_share: Type.Number() }),
    Type.Null(),
  ]),
  suggested_owner: Type.String(),
  profile: Type.Record(Type.String(), Type.Array(ValueShareSchema)),
  sample_subjects: Type.Array(Type.String()),
  size_history: Type.Array(Type.Object({ at: Time, size: Type.Integer() })),
});
export type ClusterDto = Static<typeof ClusterDtoSchema>;

export const ClusterListSchema = Type.Object({ since: Time, clusters: Type.Array(ClusterDtoSchema) });
export type ClusterList = Static<typeof ClusterListSchema>;

export const ClusterTicketSchema = Type.Object({
  ticket_id: Type.String(),
  created_at: Time,
  subject: Type.String(),
  product: Type.String(),
  region: Type.String(),
  category: Type.String(),
  channel: Type.String(),
  attributes: Type.Record(Type.String(), Type.String()),
});
export const ClusterTicketsSchema = Type.Object({
  cluster_id: Type.String(),
  run_at: Time,
  tickets: Type.Array(ClusterTicketSchema),
});
export type ClusterTickets = Static<typeof ClusterTicketsSchema>;

export interface ListClustersQuery {
  /** Epoch ms: clusters seen (a ticket) at or after this instant. */
  since: number;
  status?: ClusterStatusValue[];
  limit: number;
}

export interface ClustersPort {
  /** Latest state of every cluster, emerging first, then by size. */
  list(query: ListClustersQuery): Promise<ClusterList>;
  /** Members of the cluster in its latest run, newest first; null when the cluster is unknown. */
  tickets(clusterId: string, limit: number): Promise<ClusterTickets | null>;
}
