// The alert module's internal model. Times are epoch milliseconds in memory; the
// store turns them into DateTime64 columns. Every version of an alert is a full
// row, so any single row is enough to rebuild the alert (restores rely on it).
import type { AlertChannelType, AlertSeverity } from '../../core/config/alerts.ts';
import type { AlertStateName, DeliveryStateName } from '../../core/ports/alerts.ts';

export type { AlertSeverity, AlertStateName, DeliveryStateName };

/** Kinds the templates know; any other lower_snake_case kind is accepted and rendered generically. */
export const KNOWN_ALERT_KINDS = [
  'sla_at_risk',
  'sla_breached',
  'sla_escalated',
  'sla_compliance_low',
  'volume_surge',
  'root_cause_batch',
  'agent_quality',
] as const;
export type KnownAlertKind = (typeof KNOWN_ALERT_KINDS)[number];
/** `string & {}` keeps editor completion for the known kinds while allowing new ones. */
export type AlertKind = KnownAlertKind | (string & {});

export const SUBJECT_TYPES = ['ticket', 'team', 'category', 'cluster', 'agent', 'tenant', 'product', 'queue', 'system'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number] | (string & {});

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, critical: 2 };

export interface AlertLink {
  label: string;
  url: string;
}

/** What a processor hands to `raise`. */
export interface AlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  /** Same key while open = same alert (e.g. `sla_breached:T-1042:first_response`). */
  dedup_key: string;
  subject: { type: SubjectType; id: string };
  /** One human sentence; the templates add the facts from `details` and `labels`. */
  summary: string;
  /** Numbers that explain the alert: target_minutes / elapsed_minutes, expected / observed, … */
  details?: Record<string, number>;
  /** Routing and display labels: team, priority, tier, tenant, category, metric, … */
  labels?: Record<string, string>;
  links?: AlertLink[];
}

/** The event that produced an alert version (its `event` column). */
export type AlertEvent =
  | 'fired'
  | 'reopened'
  | 'renotified'
  | 'escalated'
  | 'severity_changed'
  | 'acknowledged'
  | 'resolved'
  | 'synced';

export interface AlertRecord {
  id: string;
  version: number;
  event: AlertEvent;
  actor: string;
  note: string;
  dedup_key: string;
  kind: string;
  severity: AlertSeverity;
  state: AlertStateName;
  subject_type: string;
  subject_id: string;
  summary: string;
  details: Record<string, number>;
  labels: Record<string, string>;
  links: AlertLink[];
  fired_at: number;
  last_seen_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string;
  resolved_at: number | null;
  resolved_by: string;
  /** '' while open; 'auto' (condition cleared) or 'manual'. */
  resolution: '' | 'auto' | 'manual';
  /** Highest escalation level notified (1 = the route's own channels). */
  escalation_level: number;
  /** Notification events so far; also the sequence number in idempotency keys. */
  notifications: number;
  occurrences: number;
  last_notified_at: number | null;
  /** The last notification queued ('' = none yet); a resolution is announced only after a firing one. */
  last_notification: '' | NotificationType;
  /** When the next message for this firing alert is due (a reminder, or the end of a cooldown); null = none. */
  next_notify_at: number | null;
}

export type NotificationType = 'fired' | 'reminder' | 'escalated' | 'severity_raised' | 'resolved' | 'digest' | 'test';

export interface DigestItem {
  alert_id: string;
  kind: string;
  severity: AlertSeverity;
  notification: NotificationType;
  subject_type: string;
  subject_id: string;
  summary: string;
  team: string;
  metric: string;
}

export interface DigestContent {
  channel: string;
  total: number;
  first_at: number;
  last_at: number;
  by_severity: Record<string, number>;
  by_kind: Array<{ kind: string; count: number }>;
  by_team: Array<{ team: string; count: number }>;
  by_notification: Record<string, number>;
  /** The most severe first; `total - items.length` more are only counted. */
  items: DigestItem[];
  links: AlertLink[];
}

/** What a delivery carries: enough to render the message again after a restart. */
export type NotificationMessage =
  | { type: 'alert'; notification: Exclude<NotificationType, 'digest' | 'test'>; alert: AlertRecord; escalation_level: number }
  | { type: 'digest'; notification: 'digest'; digest: DigestContent }
  | { type: 'test'; notification: 'test'; channel: string; sent_at: number };

export interface DeliveryRecord {
  /** Also the idempotency key: `${alert_id}:${channel}:${seq}` or `digest:${channel}:${uuid}`. */
  id: string;
  version: number;
  alert_id: string;
  alert_version: number;
  channel: string;
  channel_type: AlertChannelType;
  notification: NotificationType;
  escalation_level: number;
  state: DeliveryStateName;
  attempts: number;
  last_status: number;
  last_error: string;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
  delivered_at: number | null;
  digest_id: string;
  member_count: number;
  message: NotificationMessage;
}
