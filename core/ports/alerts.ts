// The seam between the API and the alerts module: the API reads and changes alerts
// through this interface, never through processors/alerts internals. The DTO
// schemas live here too, so the response schemas the API declares and the objects
// the module returns come from one definition.
import Type, { type Static } from 'typebox';

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];

export const DELIVERY_STATES = ['pending', 'delivered', 'digested', 'dead'] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ description: 'ISO-8601, UTC' });

export const AlertLinkSchema = Type.Object({ label: Type.String(), url: Type.String() });

export const AlertDtoSchema = Type.Object(
  {
    id: Type.String(),
    dedup_key: Type.String(),
    kind: Type.String(),
    severity: Type.String({ description: 'info | warning | critical' }),
    state: Type.String({ description: 'firing | acknowledged | resolved' }),
    subject: Type.Object({ type: Type.String(), id: Type.String() }),
    summary: Type.String(),
    details: Type.Record(Type.String(), Type.Number()),
    labels: Type.Record(Type.String(), Type.String()),
    links: Type.Array(AlertLinkSchema),
    fired_at: Time,
    last_seen_at: Time,
    updated_at: Time,
    acknowledged_at: Nullable(Time),
    acknowledged_by: Nullable(Type.String()),
    resolved_at: Nullable(Time),
    resolved_by: Nullable(Type.String()),
    /** 'auto' when the raising processor cleared the condition, 'manual' when a person resolved it. */
    resolution: Nullable(Type.String()),
    escalation_level: Type.Integer(),
    /** Notifications queued for this alert (first message, reminders, escalations, resolution). */
    notifications: Type.Integer(),
    /** Times the condition was raised while the alert was open (deduplicated raises). */
    occurrences: Type.Integer(),
    version: Type.Number(),
  },
);
export type AlertDto = Static<typeof AlertDtoSchema>;

export const AlertHistoryEntrySchema = Type.Object({
  version: Type.Number(),
  /** fired | renotified | escalated | acknowledged | resolved | reopened | severity_changed | restored */
  event: Type.String(),
  state: Type.String(),
  severity: Type.String(),
  escalation_level: Type.Integer(),
  at: Time,
  actor: Nullable(Type.String()),
  note: Nullable(Type.String()),
});
export type AlertHistoryEntry = Static<typeof AlertHistoryEntrySchema>;

export const DeliveryDtoSchema = Type.Object({
  /** Also the idempotency key the receiver sees. */
  id: Type.String(),
  alert_id: Nullable(Type.String()),
  channel: Type.String(),
  channel_type: Type.String(),
  /** fired | renotify | escalation | resolved | digest */
  notification: Type.String(),
  escalation_level: Type.Integer(),
  state: Type.String({ description: 'pending | delivered | digested | dead' }),
  attempts: Type.Integer(),
  last_status: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Time,
  updated_at: Time,
  next_attempt_at: Nullable(Time),
  delivered_at: Nullable(Time),
  /** For a digested notification: the digest that carried it. */
  digest_id: Nullable(Type.String()),
  /** For a digest: how many notifications it carried. */
  member_count: Type.Integer(),
});
export type DeliveryDto = Static<typeof DeliveryDtoSchema>;

export const AlertDetailSchema = Type.Object({
  alert: AlertDtoSchema,
  history: Type.Array(AlertHistoryEntrySchema),
  deliveries: Type.Array(DeliveryDtoSchema),
});
export type AlertDetail = Static<typeof AlertDetailSchema>;

export const AlertListSchema = Type.Object({
  alerts: Type.Array(AlertDtoSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: Nullable(Type.String()),
});
export type AlertList = Static<typeof AlertListSchema>;

export const DeliveryListSchema = Type.Object({
  deliveries: Type.Array(DeliveryDtoSchema),
  next_cursor: Nullable(Type.String()),
});
export type DeliveryList = Static<typeof DeliveryListSchema>;

export const DeliveryStatsSchema = Type.Object({
  channels: Type.Array(
    Type.Object({
      channel: Type.String(),
      pending: Type.Integer(),
      delivered: Type.Integer(),
      digested: Type.Integer(),
      dead: Type.Integer(),
      /** Digest messages by state (each carries many digested notifications). */
      digests: Type.Object({ pending: Type.Integer(), delivered: Type.Integer(), dead: Type.Integer() }),
    }),
  ),
});
export type DeliveryStats = Static<typeof DeliveryStatsSchema>;

export interface ListAlertsQuery {
  state?: AlertStateName[];
  kind?: string[];
  team?: string[];
  /** Epoch ms: alerts that fired at or after this instant. */
  since?: number;
  limit: number;
  cursor?: string;
}

export interface ListDeliveriesQuery {
  state?: DeliveryStateName[];
  channel?: string[];
  limit: number;
  cursor?: string;
}

export interface AlertsPort {
  /** Newest first (by fired_at), keyset-paginated. A malformed cursor throws bad_request (field `cursor`). */
  list(query: ListAlertsQuery): Promise<AlertList>;
  /** Throws not_found for an unknown id. */
  get(id: string): Promise<AlertDetail>;
  /** firing → acknowledged. Throws not_found, or conflict when already acknowledged or resolved. */
  ack(id: string, by: string, note?: string): Promise<AlertDto>;
  /** firing | acknowledged → resolved. Throws not_found, or conflict when already resolved. */
  resolve(id: string, by: string, note?: string): Promise<AlertDto>;
  listDeliveries(query: ListDeliveriesQuery): Promise<DeliveryList>;
  deliveryStats(): Promise<DeliveryStats>;
}
