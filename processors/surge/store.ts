// The `surges` table: writing verdicts, retracting buckets a re-run no longer finds
// unusual, and the API's read (core/ports/surges.ts). Latest version per
// (dimension, value, bucket_minutes, bucket_start) wins; readers use FINAL.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { ListSurgesQuery, SurgeDto, SurgeList, SurgesPort } from '../../core/ports/surges.ts';
import { seriesKey } from './detect.ts';
import type { SurgeVerdict } from './types.ts';

export type SurgeStatus = 'surging' | 'retracted';

const COLUMNS = [
  'dimension', 'value', 'bucket_start', 'bucket_minutes', 'version', 'detected_at', 'observed', 'expected', 'score', 'ratio',
  'method', 'baseline_kind', 'baseline_points', 'status',
] as const;

let lastVersion = 0;
/** Strictly increasing within the process, so two writes of one bucket never tie. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

function rowOf(v: SurgeVerdict, status: SurgeStatus, detectedAt: number, version: number): string {
  return JSON.stringify({
    dimension: v.dimension,
    value: v.value,
    bucket_start: toClickHouseTime(v.bucketStartMs),
    bucket_minutes: v.bucketMinutes,
    version,
    detected_at: toClickHouseTime(detectedAt),
    observed: v.observed,
    expected: v.expected,
    score: v.score,
    ratio: v.ratio,
    method: v.method,
    baseline_kind: v.baselineKind,
    baseline_points: v.baselinePoints,
    status,
  });
}

export async function writeSurgeRows(ch: ClickHouse, rows: ReadonlyArray<{ verdict: SurgeVerdict; status: SurgeStatus }>, detectedAt: number): Promise<void> {
  if (rows.length === 0) return;
  // Settings in the statement: with chdb/connection, clickhouse_settings would become
  // session-wide. Sync insert so a finished run means stored rows.
  const head = `INSERT INTO surges (${COLUMNS.join(', ')}) SETTINGS async_insert = 0, insert_deduplicate = 0 FORMAT JSONEachRow\n`;
  const body = rows.map((r) => rowOf(r.verdict, r.status, detectedAt, nextVersion())).join('\n');
  try {
    await ch.client.command({ query: head + body });
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `insert into surges failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}

interface StoredRow {
  dimension: string;
  value: string;
  bucket_ms: number | string;
  bucket_minutes: number | string;
  detected_ms: number | string;
  observed: number | string;
  expected: number;
  score: number;
  ratio: number;
  method: string;
  baseline_kind: string;
  baseline_points: number | string;
  status: string;
}

const SELECT_COLUMNS = `
  dimension, value, toUnixTimestamp64Milli(bucket_start) AS bucket_ms, bucket_minutes, toUnixTimestamp64Milli(detected_at) AS detected_ms,
  observed, expected, score, ratio, method, baseline_kind, baseline_points, status`;

function verdictOf(r: StoredRow): SurgeVerdict {
  return {
    dimension: r.dimension,
    value: r.value,
    bucketStartMs: Number(r.bucket_ms),
    bucketMinutes: Number(r.bucket_minutes),
    observed: Number(r.observed),
    expected: Number(r.expected),
    score: Number(r.score),
    ratio: Number(r.ratio),
    baselineKind: r.baseline_kind === 'recent' ? 'recent' : 'seasonal',
    baselinePoints: Number(r.baseline_points),
    method: r.method,
    surging: r.status === 'surging',
    reason: r.status === 'surging' ? 'surge' : 'normal',
  };
}

/** Stored surges (latest version, status surging) of buckets in [fromMs, toMs). */
export async function loadSurging(ch: ClickHouse, bucketMinutes: number, fromMs: number, toMs: number): Promise<SurgeVerdict[]> {
  const rs = await ch.client.query({
    query: `
      SELECT ${SELECT_COLUMNS}
      FROM surges FINAL
      WHERE bucket_minutes = {bucket_minutes:UInt16}
        AND bucket_start >= {from:DateTime64(3, 'UTC')} AND bucket_start < {to:DateTime64(3, 'UTC')}
        AND status = 'surging'
    `,
    query_params: { bucket_minutes: bucketMinutes, from: toClickHouseTime(fromMs), to: toClickHouseTime(toMs) },
    format: 'JSONEachRow',
  });
  return (await rs.json<StoredRow>()).map(verdictOf);
}

/**
 * Rows to write for one run: every surging verdict (a new version, with the latest
 * counts), and a retraction for each stored surge of an evaluated series whose bucket
 * no longer scores as one. Series this run did not evaluate are left alone.
 */
export function planSurgeRows(verdicts: readonly SurgeVerdict[], stored: readonly SurgeVerdict[]): Array<{ verdict: SurgeVerdict; status: SurgeStatus }> {
  const byBucket = new Map<string, SurgeVerdict>();
  for (const v of verdicts) byBucket.set(`${seriesKey(v.dimension, v.value)}\u0000${v.bucketStartMs}`, v);
  const out: Array<{ verdict: SurgeVerdict; status: SurgeStatus }> = verdicts.filter((v) => v.surging).map((verdict) => ({ verdict, status: 'surging' }));
  for (const s of stored) {
    const now = byBucket.get(`${seriesKey(s.dimension, s.value)}\u0000${s.bucketStartMs}`);
    if (now && !now.surging) out.push({ verdict: now, status: 'retracted' });
  }
  return out;
}

/**
 * Distinct (dimension, value) with a stored row in buckets since `sinceMs`. Retracted
 * rows count: their surge may have raised an alert before the retraction.
 */
export async function recentSurgeSeries(ch: ClickHouse, sinceMs: number): Promise<Array<{ dimension: string; value: string }>> {
  const rs = await ch.client.query({
    query: `
      SELECT DISTINCT dimension, value
      FROM surges
      WHERE bucket_start >= {since:DateTime64(3, 'UTC')}
    `,
    query_params: { since: toClickHouseTime(sinceMs) },
    format: 'JSONEachRow',
  });
  return rs.json<{ dimension: string; value: string }>();
}

function dtoOf(r: StoredRow): SurgeDto {
  const start = Number(r.bucket_ms);
  const minutes = Number(r.bucket_minutes);
  return {
    dimension: r.dimension,
    value: r.value,
    bucket_start: new Date(start).toISOString(),
    bucket_end: new Date(start + minutes * 60_000).toISOString(),
    bucket_minutes: minutes,
    observed: Number(r.observed),
    expected: Number(r.expected),
    score: Number(r.score),
    ratio: Number(r.ratio),
    method: r.method,
    baseline_kind: r.baseline_kind,
    baseline_points: Number(r.baseline_points),
    status: r.status,
    detected_at: new Date(Number(r.detected_ms)).toISOString(),
  };
}

/** The API's view of `surges` (GET /v1/surges). */
export function createSurgesPort(ch: ClickHouse): SurgesPort {
  return {
    async list(query: ListSurgesQuery): Promise<SurgeList> {
      try {
        const rs = await ch.client.query({
          query: `
            SELECT ${SELECT_COLUMNS}
            FROM surges FINAL
            WHERE bucket_start >= {since:DateTime64(3, 'UTC')}
              AND status = 'surging'
              AND (empty({dimensions:Array(String)}) OR has({dimensions:Array(String)}, dimension))
            ORDER BY bucket_start DESC, score DESC, dimension, value
            LIMIT {limit:UInt32}
          `,
          query_params: { since: toClickHouseTime(query.since), dimensions: query.dimension ?? [], limit: query.limit },
          format: 'JSONEachRow',
        });
        return { since: new Date(query.since).toISOString(), surges: (await rs.json<StoredRow>()).map(dtoOf) };
      } catch (err) {
        throw new TicketPulseError('clickhouse_query_failed', `surges query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
      }
    },
  };
}
