// The `clusters` and `ticket_clusters` tables: writing a run, reading the previous
// run back for matching. Latest version per (cluster_id, run_at) wins; readers use FINAL.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { ClusterConcentration, ClusterStatus, TrackedCluster } from './types.ts';

let lastVersion = 0;
/** Strictly increasing within the process, so two writes of one run never tie. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

// Settings in the statement: with chdb/connection, clickhouse_settings would become
// session-wide. Sync insert so a finished run means stored rows.
const INSERT_SETTINGS = 'SETTINGS async_insert = 0, insert_deduplicate = 0';

async function insertRows(ch: ClickHouse, table: string, rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await ch.client.command({ query: `INSERT INTO ${table} ${INSERT_SETTINGS} FORMAT JSONEachRow\n${rows.join('\n')}` });
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `insert into ${table} failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}

export async function writeClusterRun(ch: ClickHouse, clusters: readonly TrackedCluster[], runId: string, runAtMs: number): Promise<void> {
  const runAt = toClickHouseTime(runAtMs);
  // Membership first: a crash between the two leaves rows nobody reads (the run has no
  // clusters rows yet) instead of clusters without tickets.
  const members: string[] = [];
  for (const c of clusters) {
    const version = nextVersion();
    for (const id of c.memberIds) members.push(JSON.stringify({ cluster_id: c.clusterId, run_at: runAt, ticket_id: id, run_id: runId, version }));
  }
  await insertRows(ch, 'ticket_clusters', members);
  await insertRows(
    ch,
    'clusters',
    clusters.map((c) =>
      JSON.stringify({
        cluster_id: c.clusterId,
        run_at: runAt,
        run_id: runId,
        version: nextVersion(),
        status: c.status,
        surging: c.surging ? 1 : 0,
        alerted: c.alerted ? 1 : 0,
        label: c.label,
        top_terms: c.topTerms,
        size: c.size,
        recent: c.recent,
        growth: c.growth,
        first_seen: toClickHouseTime(c.firstSeenMs),
        last_seen: toClickHouseTime(c.lastSeenMs),
        history_at: c.history.map((h) => toClickHouseTime(h.atMs)),
        history_size: c.history.map((h) => h.size),
        concentration_attribute: c.concentration?.attribute ?? '',
        concentration_value: c.concentration?.value ?? '',
        concentration_share: c.concentration?.share ?? 0,
        // The base share rides in the profile JSON so the table keeps one share column.
        profile: JSON.stringify({ profile: c.profile, concentrated: c.concentrated, base_share: c.concentration?.baseShare ?? 0 }),
        sample_subjects: c.samples,
        suggested_owner: c.owner,
        centroid: c.centroid,
        term_keys: c.termCentroid.map((t) => t.key),
        term_weights: c.termCentroid.map((t) => t.weight),
      }),
    ),
  );
}

export interface StoredClusterRow {
  cluster_id: string;
  run_ms: number | string;
  status: string;
  surging: number | string;
  alerted: number | string;
  label: string;
  top_terms: string[];
  size: number | string;
  recent: number | string;
  growth: number;
  first_ms: number | string;
  last_ms: number | string;
  history_ms: Array<number | string>;
  history_size: Array<number | string>;
  concentration_attribute: string;
  concentration_value: string;
  concentration_share: number;
  profile: string;
  sample_subjects: string[];
  suggested_owner: string;
  centroid: number[];
  term_keys: string[];
  term_weights: number[];
}

export const CLUSTER_SELECT = `
  cluster_id, toUnixTimestamp64Milli(run_at) AS run_ms, status, surging, alerted, label, top_terms, size, recent, growth,
  toUnixTimestamp64Milli(first_seen) AS first_ms, toUnixTimestamp64Milli(last_seen) AS last_ms,
  arrayMap(t -> toUnixTimestamp64Milli(t), history_at) AS history_ms, history_size,
  concentration_attribute, concentration_value, concentration_share, profile, sample_subjects, suggested_owner,
  centroid, term_keys, term_weights`;

export function parseProfile(text: string): { profile: TrackedCluster['profile']; concentrated: ClusterConcentration[]; baseShare: number } {
  try {
    const p = JSON.parse(text) as { profile?: TrackedCluster['profile']; concentrated?: ClusterConcentration[]; base_share?: number };
    return { profile: p.profile ?? {}, concentrated: p.concentrated ?? [], baseShare: p.base_share ?? 0 };
  } catch {
    return { profile: {}, concentrated: [], baseShare: 0 };
  }
}

export function trackedOf(r: StoredClusterRow): TrackedCluster {
  const { profile, concentrated, baseShare } = parseProfile(r.profile);
  return {
    clusterId: r.cluster_id,
    status: r.status as ClusterStatus,
    surging: Number(r.surging) === 1,
    alerted: Number(r.alerted) === 1,
    label: r.label,
    topTerms: r.top_terms,
    size: Number(r.size),
    recent: Number(r.recent),
    growth: Number(r.growth),
    firstSeenMs: Number(r.first_ms),
    lastSeenMs: Number(r.last_ms),
    history: r.history_ms.map((at, i) => ({ atMs: Number(at), size: Number(r.history_size[i]) })),
    concentration: r.concentration_attribute
      ? { attribute: r.concentration_attribute, value: r.concentration_value, share: Number(r.concentration_share), baseShare }
      : null,
    concentrated,
    profile,
    samples: r.sample_subjects,
    owner: r.suggested_owner,
    centroid: r.centroid.map(Number),
    termCentroid: r.term_keys.map((key, i) => ({ key, term: key, weight: Number(r.term_weights[i]) })),
    memberIds: [],
  };
}

/** The live (not closed) clusters of the latest run before `beforeMs`. */
export async function loadPreviousRun(ch: ClickHouse, beforeMs: number): Promise<TrackedCluster[]> {
  try {
    const rs = await ch.client.query({
      query: `
        SELECT ${CLUSTER_SELECT}
        FROM clusters FINAL
        WHERE run_at = (SELECT max(run_at) FROM clusters WHERE run_at < {before:DateTime64(3, 'UTC')})
          AND status != 'closed'
        ORDER BY cluster_id
      `,
      query_params: { before: toClickHouseTime(beforeMs) },
      format: 'JSONEachRow',
    });
    return (await rs.json<StoredClusterRow>()).map(trackedOf);
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `loading the previous clusters failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}
