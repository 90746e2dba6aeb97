// ClickHouse reads for the alert tables: what the service loads at start-up and what
// the API shows. Writes go through RowWriter. Every query takes the latest version
// per id (ORDER BY id, version DESC LIMIT 1 BY id); values are bound as parameters,
// and the optional filters are fixed SQL fragments switched on or off.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { AlertHistoryEntry, DeliveryStats, ListAlertsQuery, ListDeliveriesQuery } from '../../core/ports/alerts.ts';
import {
  ALERT_SELECT,
  DELIVERY_SELECT,
  alertFromRow,
  deliveryFromRow,
  type AlertRowOut,
  type DeliveryRowOut,
} from './store-rows.ts';
import type { AlertRecord, DeliveryRecord, NotificationMessage } from './types.ts';

const LATEST_ALERTS = 'ORDER BY alert_id, version DESC LIMIT 1 BY alert_id';
const LATEST_DELIVERIES = 'ORDER BY delivery_id, version DESC LIMIT 1 BY delivery_id';
const at = (param: string) => `fromUnixTimestamp64Milli({${param}:Int64}, 'UTC')`;

export class AlertStore {
  constructor(private readonly ch: ClickHouse) {}

  private async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  // ---------------------------------------------------------------- start-up

  /** Alerts still open, and those resolved at or after `resolvedSince` (their cooldown may still run). */
  async loadOpenAlerts(resolvedSince: number): Promise<AlertRecord[]> {
    const rows = await this.rows<AlertRowOut>(
      `SELECT ${ALERT_SELECT} FROM (SELECT * FROM alerts ${LATEST_ALERTS})
       WHERE state != 'resolved' OR resolved_at >= ${at('since')}`,
      { since: Math.floor(resolvedSince) },
    );
    return rows.map(alertFromRow);
  }

  /**
   * Deliveries still to send, with their messages: pending ones, and notifications
   * marked digested whose digest row never made it (a crash between the two).
   */
  async loadPendingDeliveries(): Promise<DeliveryRecord[]> {
    const latest = await this.rows<DeliveryRowOut>(
      `SELECT ${DELIVERY_SELECT} FROM (SELECT * FROM alert_deliveries ${LATEST_DELIVERIES})
       WHERE state = 'pending'
          OR (state = 'digested' AND digest_id NOT IN (SELECT delivery_id FROM alert_deliveries WHERE notification = 'digest'))`,
    );
    if (latest.length === 0) return [];
    const messages = new Map<string, NotificationMessage>();
    const found = await this.rows<{ delivery_id: string; message: string }>(
      `SELECT delivery_id, message FROM alert_deliveries WHERE delivery_id IN {ids:Array(String)} AND message != '' ${LATEST_DELIVERIES}`,
      { ids: latest.map((r) => r.delivery_id) },
    );
    for (const r of found) messages.set(r.delivery_id, JSON.parse(r.message) as NotificationMessage);
    return latest.map((r) => {
      const d = deliveryFromRow(r, messages.get(r.delivery_id) ?? null);
      if (d.state === 'digested') return { ...d, state: 'pending' as const, digest_id: '' };
      return d;
    });
  }

  /** Notifications folded into the given (still pending) digests: if a digest dies, they die with it. */
  async loadDigestMembers(digestIds: string[]): Promise<DeliveryRecord[]> {
    if (digestIds.length === 0) return [];
    const rows = await this.rows<DeliveryRowOut>(
      `SELECT ${DELIVERY_SELECT} FROM (SELECT * FROM alert_deliveries ${LATEST_DELIVERIES})
       WHERE state = 'digested' AND digest_id IN {ids:Array(String)}`,
      { ids: digestIds },
    );
    return rows.map((r) => deliveryFromRow(r, null));
  }

  /** Highest stored version per alert id (ids with no row are absent). */
  async alertVersions(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows<{ alert_id: string; v: number | string }>(
      'SELECT alert_id, max(version) AS v FROM alerts WHERE alert_id IN {ids:Array(String)} GROUP BY alert_id',
      { ids },
    );
    return new Map(rows.map((r) => [r.alert_id, Number(r.v)]));
  }

  /** Latest versions of alerts fired at or after `firedSince` (to pick up changes made by other processes). */
  async latestAlertsFiredSince(firedSince: number): Promise<AlertRecord[]> {
    const rows = await this.rows<AlertRowOut>(
      `SELECT ${ALERT_SELECT} FROM (SELECT * FROM alerts WHERE fired_at >= ${at('since')} ${LATEST_ALERTS})`,
      { since: Math.floor(firedSince) },
    );
    return rows.map(alertFromRow);
  }

  // ---------------------------------------------------------------- API

  async latestAlert(id: string): Promise<AlertRecord | null> {
    const rows = await this.rows<AlertRowOut>(`SELECT ${ALERT_SELECT} FROM alerts WHERE alert_id = {id:String} ORDER BY version DESC LIMIT 1`, { id });
    return rows[0] ? alertFromRow(rows[0]) : null;
  }

  async listAlerts(q: ListAlertsQuery): Promise<{ alerts: AlertRecord[]; next_cursor: string | null }> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    const inner: string[] = [];
    const outer: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1 };
    // fired_at, kind and team never change between versions: filter before deduplicating.
    if (q.since !== undefined) {
      inner.push(`fired_at >= ${at('since')}`);
      params.since = q.since;
    }
    if (q.kind?.length) {
      inner.push('kind IN {kinds:Array(String)}');
      params.kinds = q.kind;
    }
    if (q.team?.length) {
      inner.push('team IN {teams:Array(String)}');
      params.teams = q.team;
    }
    if (q.state?.length) {
      outer.push('state IN {states:Array(String)}');
      params.states = q.state;
    }
    if (cursor) {
      outer.push(`(fired_at, alert_id) < (${at('cursor_t')}, {cursor_id:String})`);
      params.cursor_t = cursor.t;
      params.cursor_id = cursor.id;
    }
    const where = (c: string[]) => (c.length ? `WHERE ${c.join(' AND ')}` : '');
    const rows = await this.rows<AlertRowOut>(
      `SELECT ${ALERT_SELECT} FROM (SELECT * FROM alerts ${where(inner)} ${LATEST_ALERTS})
       ${where(outer)}
       ORDER BY fired_at DESC, alert_id DESC
       LIMIT {limit:UInt32}`,
      params,
    );
    const alerts = rows.slice(0, q.limit).map(alertFromRow);
    const last = alerts[alerts.length - 1];
    return { alerts, next_cursor: rows.length > q.limit && last ? encodeCursor(last.fired_at, last.id) : null };
  }

  async history(id: string): Promise<AlertHistoryEntry[]> {
    const rows = await this.rows<{
      version: number | string;
      event: string;
      state: string;
      severity: string;
      escalation_level: number;
      at_ms: number | string;
      actor: string;
      note: string;
    }>(
      `SELECT version, event, state, severity, escalation_level, toUnixTimestamp64Milli(updated_at) AS at_ms, actor, note
       FROM alerts WHERE alert_id = {id:String} ORDER BY version LIMIT 1 BY version`,
      { id },
    );
    return rows.map((r) => ({
      version: Number(r.version),
      event: r.event,
      state: r.state,
      severity: r.severity,
      escalation_level: Number(r.escalation_level),
      at: new Date(Number(r.at_ms)).toISOString(),
      actor: r.actor || null,
      note: r.note || null,
    }));
  }

  async deliveriesForAlert(id: string): Promise<DeliveryRecord[]> {
    // Delivery ids start with the alert id: the prefix uses the table's primary key.
    const rows = await this.rows<DeliveryRowOut>(
      `SELECT ${DELIVERY_SELECT} FROM alert_deliveries
       WHERE startsWith(delivery_id, {prefix:String}) AND alert_id = {id:String}
       ${LATEST_DELIVERIES}`,
      { prefix: `${id}:`, id },
    );
    return rows.map((r) => deliveryFromRow(r, null)).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  }

  async listDeliveries(q: ListDeliveriesQuery): Promise<{ deliveries: DeliveryRecord[]; next_cursor: string | null }> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    const outer: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1 };
    if (q.state?.length) {
      outer.push('state IN {states:Array(String)}');
      params.states = q.state;
    }
    if (q.channel?.length) {
      outer.push('channel IN {channels:Array(String)}');
      params.channels = q.channel;
    }
    if (cursor) {
      outer.push(`(created_at, delivery_id) < (${at('cursor_t')}, {cursor_id:String})`);
      params.cursor_t = cursor.t;
      params.cursor_id = cursor.id;
    }
    const rows = await this.rows<DeliveryRowOut>(
      `SELECT ${DELIVERY_SELECT} FROM (SELECT * FROM alert_deliveries ${LATEST_DELIVERIES})
       ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
       ORDER BY created_at DESC, delivery_id DESC
       LIMIT {limit:UInt32}`,
      params,
    );
    const deliveries = rows.slice(0, q.limit).map((r) => deliveryFromRow(r, null));
    const last = deliveries[deliveries.length - 1];
    return { deliveries, next_cursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null };
  }

  async deliveryStats(): Promise<DeliveryStats> {
    const rows = await this.rows<Record<string, string | number>>(
      `SELECT channel,
         countIf(notification != 'digest' AND state = 'pending') AS pending,
         countIf(notification != 'digest' AND state = 'delivered') AS delivered,
         countIf(notification != 'digest' AND state = 'digested') AS digested,
         countIf(notification != 'digest' AND state = 'dead') AS dead,
         countIf(notification = 'digest' AND state = 'pending') AS digests_pending,
         countIf(notification = 'digest' AND state = 'delivered') AS digests_delivered,
         countIf(notification = 'digest' AND state = 'dead') AS digests_dead
       FROM (SELECT channel, notification, state FROM alert_deliveries ${LATEST_DELIVERIES})
       GROUP BY channel ORDER BY channel`,
    );
    return {
      channels: rows.map((r) => ({
        channel: String(r.channel),
        pending: Number(r.pending),
        delivered: Number(r.delivered),
        digested: Number(r.digested),
        dead: Number(r.dead),
        digests: { pending: Number(r.digests_pending), delivered: Number(r.digests_delivered), dead: Number(r.digests_dead) },
      })),
    };
  }
}

/** Keyset cursors are opaque to clients: base64url of [time ms, id]. */
export function encodeCursor(t: number, id: string): string {
  return Buffer.from(JSON.stringify([t, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { t: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { t: v[0] as number, id: v[1] };
  } catch {
    // fall through to the error below
  }
  throw new TicketPulseError('bad_request', 'cursor is not one this API returned; pass next_cursor from the previous page unchanged', { field: 'cursor' });
}
