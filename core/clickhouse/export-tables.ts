// Tables that GET /v1/export/:name streams as Arrow IPC: the raw log, dead letters,
// and every derived table with a time column (their names and columns are the
// analysts' contract in docs/schema.md, so they are registered here, next to the
// raw log, rather than by each processor). A derived table lists the columns it
// exports: a column a later migration adds is not exported until it is listed here.
// registerExportTable() stays open for tables added elsewhere; the route looks names
// up per request, so a table registered after the API started is served too.
import { TicketPulseError } from '../errors.ts';
import { quoteIdent } from './connection.ts';

export interface ExportTable {
  /** The name in the URL (`/v1/export/<name>`). */
  name: string;
  /** The ClickHouse table. */
  table: string;
  /** Rows are selected by this column with `from` (inclusive) and `to` (exclusive). */
  timeColumn: string;
  /** Read with FINAL so that replayed rows of a ReplacingMergeTree count once. */
  final: boolean;
  description: string;
  /**
   * The columns that may be exported, in export order (also the default selection).
   * Absent: every ordinary column of the table (the raw log and dead letters).
   */
  columns?: readonly string[];
}

const registry = new Map<string, ExportTable>();

export function registerExportTable(table: ExportTable): void {
  for (const ident of [table.table, table.timeColumn, ...(table.columns ?? [])]) quoteIdent(ident);
  if (!/^[a-z][a-z0-9_]*$/.test(table.name)) throw new TicketPulseError('config_invalid', `export name ${table.name} must be lower-case letters, digits and _`);
  if (table.columns && !table.columns.includes(table.timeColumn)) {
    throw new TicketPulseError('config_invalid', `export ${table.name}: its time column ${table.timeColumn} must be one of its columns`);
  }
  registry.set(table.name, { ...table, columns: table.columns ? [...table.columns] : undefined });
}

export function exportTables(): ExportTable[] {
  return [...registry.values()];
}

export function exportTable(name: string): ExportTable | undefined {
  return registry.get(name);
}

registerExportTable({
  name: 'events',
  table: 'ticket_events',
  timeColumn: 'occurred_at',
  final: true,
  description: 'the raw ticket event log, deduplicated by event_id; rows selected by occurred_at',
});
registerExportTable({
  name: 'dead_letters',
  table: 'dead_letters',
  timeColumn: 'received_at',
  final: true,
  description: 'rejected messages with their raw bytes, reason and origin; rows selected by received_at',
});

// Derived tables. FINAL collapses rows written twice (a retried insert or a replayed
// run); for versioned tables whose sort key includes the version (alerts,
// alert_deliveries) every version stays, as the table's history. Plain MergeTree
// tables (observations) are read as they are.
const derived: Array<Omit<ExportTable, 'description'> & { columns: readonly string[]; what: string }> = [
  {
    name: 'ticket_sla',
    table: 'ticket_sla',
    timeColumn: 'created_at',
    final: true,
    what: 'SLA state per ticket and metric, the latest version of each (ticket_id, metric); rows selected by the ticket\'s created_at',
    columns: [
      'ticket_id', 'metric', 'version', 'computed_at', 'evaluated_at', 'source', 'created_at', 'tenant', 'team', 'priority', 'category', 'channel',
      'customer_tier', 'status', 'policy', 'calendar', 'state', 'clock', 'target_minutes', 'elapsed_minutes', 'paused_minutes', 'started_at', 'deadline',
      'breached_at', 'met_at', 'met_by', 'decided_at', 'at_risk_level', 'at_risk_at', 'at_risk_reached', 'at_risk_threshold_minutes', 'escalation_level',
      'escalation_notify', 'escalation_due_at', 'escalation_state', 'cycles', 'breached_cycles',
    ],
  },
  {
    name: 'alerts',
    table: 'alerts',
    timeColumn: 'fired_at',
    final: true,
    what: 'the alert log, every version of every alert (the latest per alert_id has the highest version); rows selected by fired_at',
    columns: [
      'alert_id', 'version', 'event', 'actor', 'note', 'dedup_key', 'kind', 'severity', 'state', 'subject_type', 'subject_id', 'summary', 'details', 'labels',
      'links', 'fired_at', 'last_seen_at', 'updated_at', 'acknowledged_at', 'acknowledged_by', 'resolved_at', 'resolved_by', 'resolution', 'escalation_level',
      'notifications', 'occurrences', 'last_notified_at', 'last_notification', 'next_notify_at',
    ],
  },
  {
    name: 'alert_deliveries',
    table: 'alert_deliveries',
    timeColumn: 'created_at',
    final: true,
    what: 'notification deliveries (the outbox), every version; rows selected by created_at',
    columns: [
      'delivery_id', 'version', 'alert_id', 'alert_version', 'channel', 'channel_type', 'notification', 'escalation_level', 'state', 'attempts', 'last_status',
      'last_error', 'created_at', 'updated_at', 'next_attempt_at', 'delivered_at', 'digest_id', 'member_count', 'message',
    ],
  },
  {
    name: 'surges',
    table: 'surges',
    timeColumn: 'bucket_start',
    final: true,
    what: 'detected volume surges, the latest evaluation of each (dimension, value, bucket); rows selected by bucket_start',
    columns: [
      'dimension', 'value', 'bucket_start', 'bucket_minutes', 'version', 'detected_at', 'observed', 'expected', 'score', 'ratio', 'method', 'baseline_kind',
      'baseline_points', 'status',
    ],
  },
  {
    name: 'clusters',
    table: 'clusters',
    timeColumn: 'run_at',
    final: true,
    what: 'root-cause clusters, one row per cluster and tracking run; rows selected by run_at',
    columns: [
      'cluster_id', 'run_at', 'run_id', 'version', 'status', 'surging', 'alerted', 'label', 'top_terms', 'size', 'recent', 'growth', 'first_seen', 'last_seen',
      'history_at', 'history_size', 'concentration_attribute', 'concentration_value', 'concentration_share', 'profile', 'sample_subjects', 'suggested_owner',
      'centroid', 'term_keys', 'term_weights',
    ],
  },
  {
    name: 'ticket_clusters',
    table: 'ticket_clusters',
    timeColumn: 'run_at',
    final: true,
    what: 'cluster membership per tracking run (kept 30 days); rows selected by run_at',
    columns: ['cluster_id', 'run_at', 'ticket_id', 'run_id', 'version'],
  },
  {
    name: 'agent_scores',
    table: 'agent_scores',
    timeColumn: 'computed_at',
    final: true,
    what: 'agent skill score snapshots, one per recompute × agent × skill × window; rows selected by computed_at',
    columns: [
      'computed_at', 'routing_version', 'window_days', 'skill_dimension', 'skill', 'agent_id', 'team', 'time_basis', 'last_seen_at', 'tickets', 'settled',
      'resolved', 'reopened', 'transfers_out', 'csat_n', 'csat_good', 'csat_mean', 'sla_n', 'sla_met', 'frt_n', 'frt_typical_s', 'handle_n',
      'handle_typical_s', 'resolution_score', 'resolution_lo', 'resolution_hi', 'reopen_score', 'reopen_lo', 'reopen_hi', 'csat_score', 'csat_lo', 'csat_hi',
      'sla_score', 'sla_lo', 'sla_hi', 'frt_ratio', 'frt_lo', 'frt_hi', 'handle_ratio', 'handle_lo', 'handle_hi', 'composite', 'composite_lo',
      'composite_hi', 'composite_z',
    ],
  },
  {
    name: 'routing_weights',
    table: 'routing_weights',
    timeColumn: 'published_at',
    final: true,
    what: 'published routing weight snapshots, one full snapshot per version; rows selected by published_at',
    columns: [
      'version', 'published_at', 'skill_dimension', 'team', 'skill', 'agent_id', 'weight', 'previous_weight', 'score', 'score_z', 'tickets', 'open_tickets',
      'capacity', 'active', 'changed', 'changed_in', 'changed_at', 'resync_below',
    ],
  },
  {
    name: 'routing_feed_deliveries',
    table: 'routing_feed_deliveries',
    timeColumn: 'delivered_at',
    final: true,
    what: 'which routing-weight version each push sink acknowledged; rows selected by delivered_at',
    columns: ['sink', 'version', 'delivered_at', 'attempts'],
  },
  {
    name: 'processor_runs',
    table: 'processor_runs',
    timeColumn: 'started_at',
    final: false,
    what: 'one row per processor run (status, duration, error); rows selected by started_at',
    columns: ['run_id', 'processor', 'trigger', 'started_at', 'finished_at', 'duration_ms', 'status', 'error', 'details'],
  },
  {
    name: 'kafka_consumer_lag',
    table: 'kafka_consumer_lag',
    timeColumn: 'recorded_at',
    final: false,
    what: 'sampled Kafka consumer lag per partition (samples, not deduplicated); rows selected by recorded_at',
    columns: ['recorded_at', 'group_id', 'consumer', 'topic', 'partition', 'committed_offset', 'high_watermark', 'lag', 'paused'],
  },
];
for (const { what, ...t } of derived) registerExportTable({ ...t, description: what });

export interface ExportColumn {
  name: string;
  type: string;
}

export interface ExportRequest {
  from?: Date;
  to?: Date;
  /** Column names; all ordinary columns when absent. Checked against the table's columns. */
  columns?: string[];
  limit?: number;
}

/** The export statement: identifiers checked against the table's own column list, values bound as parameters. */
export function buildExportQuery(t: ExportTable, available: ExportColumn[], req: ExportRequest): { sql: string; params: Record<string, string | number> } {
  const present = new Set(available.map((c) => c.name));
  // The table's allowlist, in its order, restricted to what the table has now; else every ordinary column.
  const exported = t.columns ? t.columns.filter((c) => present.has(c)) : available.map((c) => c.name);
  const known = new Set(exported);
  const columns = req.columns && req.columns.length > 0 ? req.columns : exported;
  for (const c of columns) {
    if (!known.has(c)) {
      throw new TicketPulseError('bad_request', `unknown column ${JSON.stringify(c)} for ${t.name}; columns: ${exported.join(', ')}`, { field: 'columns' });
    }
  }
  if (columns.length === 0) throw new TicketPulseError('not_found', `table ${t.table} has none of the columns ${t.name} exports`, { field: 'table' });
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  const time = quoteIdent(t.timeColumn);
  if (req.from) {
    where.push(`${time} >= {from:DateTime64(3, 'UTC')}`);
    params.from = chDateTime(req.from);
  }
  if (req.to) {
    where.push(`${time} < {to:DateTime64(3, 'UTC')}`);
    params.to = chDateTime(req.to);
  }
  let sql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(t.table)}${t.final ? ' FINAL' : ''}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  if (req.limit !== undefined) {
    sql += ' LIMIT {limit:UInt64}';
    params.limit = req.limit;
  }
  return { sql, params };
}

/** ClickHouse's DateTime64 text form (the ISO 'T'/'Z' form does not parse as a query parameter). */
function chDateTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
