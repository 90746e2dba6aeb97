// Records ↔ ClickHouse rows. Inserts name their columns (the tables may grow);
// reads take times as epoch ms (toUnixTimestamp64Milli) under `_ms` aliases, so an
// alias never shadows the column a WHERE clause means.
import type { AlertChannelType } from '../../core/config/alerts.ts';
import type { AlertStateName, DeliveryStateName } from '../../core/ports/alerts.ts';
import type { AlertEvent, AlertRecord, AlertSeverity, DeliveryRecord, NotificationMessage, NotificationType } from './types.ts';

/** 'YYYY-MM-DD hh:mm:ss.sss' (UTC), the text form DateTime64 parses fastest. */
export function chTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}
const chTimeOrNull = (ms: number | null) => (ms === null ? null : chTime(ms));

/** Versions order the rows of one id: strictly increasing within a process, roughly time-ordered across processes. */
export function nextVersion(previous: number, nowMs: number): number {
  return Math.max(previous + 1, Math.floor(nowMs) * 1000);
}

export const ALERT_COLUMNS = [
  'alert_id', 'version', 'event', 'actor', 'note', 'dedup_key', 'kind', 'severity', 'state', 'subject_type', 'subject_id',
  'summary', 'details', 'labels', 'links', 'fired_at', 'last_seen_at', 'updated_at', 'acknowledged_at', 'acknowledged_by',
  'resolved_at', 'resolved_by', 'resolution', 'escalation_level', 'notifications', 'occurrences', 'last_notified_at', 'last_notification', 'next_notify_at',
] as const;

export const DELIVERY_COLUMNS = [
  'delivery_id', 'version', 'alert_id', 'alert_version', 'channel', 'channel_type', 'notification', 'escalation_level', 'state',
  'attempts', 'last_status', 'last_error', 'created_at', 'updated_at', 'next_attempt_at', 'delivered_at', 'digest_id', 'member_count', 'message',
] as const;

export function alertRow(a: AlertRecord): Record<(typeof ALERT_COLUMNS)[number], unknown> {
  return {
    alert_id: a.id,
    version: a.version,
    event: a.event,
    actor: a.actor,
    note: a.note,
    dedup_key: a.dedup_key,
    kind: a.kind,
    severity: a.severity,
    state: a.state,
    subject_type: a.subject_type,
    subject_id: a.subject_id,
    summary: a.summary,
    details: a.details,
    labels: a.labels,
    links: Object.fromEntries(a.links.map((l) => [l.label, l.url])),
    fired_at: chTime(a.fired_at),
    last_seen_at: chTime(a.last_seen_at),
    updated_at: chTime(a.updated_at),
    acknowledged_at: chTimeOrNull(a.acknowledged_at),
    acknowledged_by: a.acknowledged_by,
    resolved_at: chTimeOrNull(a.resolved_at),
    resolved_by: a.resolved_by,
    resolution: a.resolution,
    escalation_level: a.escalation_level,
    notifications: a.notifications,
    occurrences: a.occurrences,
    last_notified_at: chTimeOrNull(a.last_notified_at),
    last_notification: a.last_notification,
    next_notify_at: chTimeOrNull(a.next_notify_at),
  };
}

/** The message snapshot rides only on the row that creates a delivery; later versions leave it empty. */
export function deliveryRow(d: DeliveryRecord, withMessage: boolean): Record<(typeof DELIVERY_COLUMNS)[number], unknown> {
  return {
    delivery_id: d.id,
    version: d.version,
    alert_id: d.alert_id,
    alert_version: d.alert_version,
    channel: d.channel,
    channel_type: d.channel_type,
    notification: d.notification,
    escalation_level: d.escalation_level,
    state: d.state,
    attempts: d.attempts,
    last_status: d.last_status,
    last_error: d.last_error.slice(0, 2_000),
    created_at: chTime(d.created_at),
    updated_at: chTime(d.updated_at),
    next_attempt_at: chTime(d.next_attempt_at),
    delivered_at: chTimeOrNull(d.delivered_at),
    digest_id: d.digest_id,
    member_count: d.member_count,
    message: withMessage ? JSON.stringify(d.message) : '',
  };
}

const ms = (col: string) => `toUnixTimestamp64Milli(${col}) AS ${col}_ms`;

export const ALERT_SELECT = [
  'alert_id', 'version', 'event', 'actor', 'note', 'dedup_key', 'kind', 'severity', 'state', 'subject_type', 'subject_id',
  'summary', 'details', 'labels', 'links', ms('fired_at'), ms('last_seen_at'), ms('updated_at'), ms('acknowledged_at'),
  'acknowledged_by', ms('resolved_at'), 'resolved_by', 'resolution', 'escalation_level', 'notifications', 'occurrences',
  ms('last_notified_at'), 'last_notification', ms('next_notify_at'),
].join(', ');

export const DELIVERY_SELECT = [
  'delivery_id', 'version', 'alert_id', 'alert_version', 'channel', 'channel_type', 'notification', 'escalation_level', 'state',
  'attempts', 'last_status', 'last_error', ms('created_at'), ms('updated_at'), ms('next_attempt_at'), ms('delivered_at'),
  'digest_id', 'member_count',
].join(', ');

export interface AlertRowOut {
  alert_id: string;
  version: number | string;
  event: string;
  actor: string;
  note: string;
  dedup_key: string;
  kind: string;
  severity: string;
  state: string;
  subject_type: string;
  subject_id: string;
  summary: string;
  details: Record<string, number>;
  labels: Record<string, string>;
  links: Record<string, string>;
  fired_at_ms: number | string;
  last_seen_at_ms: number | string;
  updated_at_ms: number | string;
  acknowledged_at_ms: number | string | null;
  acknowledged_by: string;
  resolved_at_ms: number | string | null;
  resolved_by: string;
  resolution: string;
  escalation_level: number;
  notifications: number;
  occurrences: number;
  last_notified_at_ms: number | string | null;
  last_notification: string;
  next_notify_at_ms: number | string | null;
}

export interface DeliveryRowOut {
  delivery_id: string;
  version: number | string;
  alert_id: string;
  alert_version: number | string;
  channel: string;
  channel_type: string;
  notification: string;
  escalation_level: number;
  state: string;
  attempts: number;
  last_status: number;
  last_error: string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  next_attempt_at_ms: number | string;
  delivered_at_ms: number | string | null;
  digest_id: string;
  member_count: number;
}

const num = (v: number | string) => Number(v);
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

export function alertFromRow(r: AlertRowOut): AlertRecord {
  return {
    id: r.alert_id,
    version: num(r.version),
    event: r.event as AlertEvent,
    actor: r.actor,
    note: r.note,
    dedup_key: r.dedup_key,
    kind: r.kind,
    severity: r.severity as AlertSeverity,
    state: r.state as AlertStateName,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    summary: r.summary,
    details: Object.fromEntries(Object.entries(r.details).map(([k, v]) => [k, Number(v)])),
    labels: { ...r.labels },
    links: Object.entries(r.links).map(([label, url]) => ({ label, url })),
    fired_at: num(r.fired_at_ms),
    last_seen_at: num(r.last_seen_at_ms),
    updated_at: num(r.updated_at_ms),
    acknowledged_at: numOrNull(r.acknowledged_at_ms),
    acknowledged_by: r.acknowledged_by,
    resolved_at: numOrNull(r.resolved_at_ms),
    resolved_by: r.resolved_by,
    resolution: r.resolution as AlertRecord['resolution'],
    escalation_level: Number(r.escalation_level),
    notifications: Number(r.notifications),
    occurrences: Number(r.occurrences),
    last_notified_at: numOrNull(r.last_notified_at_ms),
    last_notification: r.last_notification as AlertRecord['last_notification'],
    next_notify_at: numOrNull(r.next_notify_at_ms),
  };
}

export function deliveryFromRow(r: DeliveryRowOut, message: NotificationMessage | null): DeliveryRecord {
  return {
    id: r.delivery_id,
    version: num(r.version),
    alert_id: r.alert_id,
    alert_version: num(r.alert_version),
    channel: r.channel,
    channel_type: r.channel_type as AlertChannelType,
    notification: r.notification as NotificationType,
    escalation_level: Number(r.escalation_level),
    state: r.state as DeliveryStateName,
    attempts: Number(r.attempts),
    last_status: Number(r.last_status),
    last_error: r.last_error,
    created_at: num(r.created_at_ms),
    updated_at: num(r.updated_at_ms),
    next_attempt_at: num(r.next_attempt_at_ms),
    delivered_at: numOrNull(r.delivered_at_ms),
    digest_id: r.digest_id,
    member_count: Number(r.member_count),
    // Only pending deliveries are loaded with their message; the API never needs it.
    message: message ?? ({ type: 'test', notification: 'test', channel: r.channel, sent_at: 0 } as NotificationMessage),
  };
}
