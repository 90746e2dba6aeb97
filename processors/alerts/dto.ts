// Internal records → the DTOs the API (and the generic webhook body) show.
import type { AlertDto, DeliveryDto } from '../../core/ports/alerts.ts';
import type { AlertRecord, DeliveryRecord } from './types.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function alertToDto(a: AlertRecord): AlertDto {
  return {
    id: a.id,
    dedup_key: a.dedup_key,
    kind: a.kind,
    severity: a.severity,
    state: a.state,
    subject: { type: a.subject_type, id: a.subject_id },
    summary: a.summary,
    details: { ...a.details },
    labels: { ...a.labels },
    links: a.links.map((l) => ({ ...l })),
    fired_at: iso(a.fired_at),
    last_seen_at: iso(a.last_seen_at),
    updated_at: iso(a.updated_at),
    acknowledged_at: isoOrNull(a.acknowledged_at),
    acknowledged_by: a.acknowledged_by || null,
    resolved_at: isoOrNull(a.resolved_at),
    resolved_by: a.resolved_by || null,
    resolution: a.resolution || null,
    escalation_level: a.escalation_level,
    notifications: a.notifications,
    occurrences: a.occurrences,
    version: a.version,
  };
}

export function deliveryToDto(d: Omit<DeliveryRecord, 'message'>): DeliveryDto {
  return {
    id: d.id,
    alert_id: d.alert_id || null,
    channel: d.channel,
    channel_type: d.channel_type,
    notification: d.notification,
    escalation_level: d.escalation_level,
    state: d.state,
    attempts: d.attempts,
    last_status: d.last_status || null,
    last_error: d.last_error || null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    next_attempt_at: d.state === 'pending' ? iso(d.next_attempt_at) : null,
    delivered_at: isoOrNull(d.delivered_at),
    digest_id: d.digest_id || null,
    member_count: d.member_count,
  };
}
