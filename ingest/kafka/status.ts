// The consumer's state for operators: a snapshot (for /healthz-style checks, tests and
// the CLI) and the one-line summary `ticketpulse ingest` prints every few seconds.
import { fmt } from '../../core/progress.ts';

export type KafkaIngestState =
  | 'connecting'
  | 'joining'
  | 'consuming'
  | 'paused'
  | 'rebalancing'
  | 'reconnecting'
  | 'stopping'
  | 'stopped';

export interface PartitionStatus {
  topic: string;
  partition: number;
  /** Offset the group has committed (next to consume), when known. */
  committed: string | null;
  highWatermark: string | null;
  lag: number | null;
  paused: boolean;
  inFlightBatches: number;
}

export interface KafkaIngestStatus {
  state: KafkaIngestState;
  groupId: string;
  topics: string[];
  /** Messages handed to the pipeline (valid and malformed; replays count again). */
  consumed: number;
  eventsStored: number;
  deadLettersStored: number;
  inFlightMessages: number;
  inFlightBytes: number;
  /** Sum over assigned partitions of high watermark − committed offset. */
  lag: number | null;
  partitions: PartitionStatus[];
  pausedPartitions: number;
  /** Why partitions are paused, when they are. */
  pauseReasons: string[];
  insertFailures: number;
  commits: number;
  commitFailures: number;
  lastCommitAt: number | null;
  rebalances: number;
  restarts: number;
  abandonedBatches: number;
  brokerReachable: boolean;
  /** Joined the consumer group (and not crashed or stopped since). */
  groupMember: boolean;
  /** Group member and broker reachable: the Kafka readiness check. */
  ready: boolean;
  lastFetchAt: number | null;
  /** The Kafka client's last error, e.g. a refused connection while a broker is down. */
  lastError: { message: string; at: number } | null;
}

export interface StatusLineState {
  startedAt: number;
  lastAt: number;
  lastConsumed: number;
  lastStored: number;
}

export function newStatusLineState(now = Date.now()): StatusLineState {
  return { startedAt: now, lastAt: now, lastConsumed: 0, lastStored: 0 };
}

/** One line: state, rates since the previous line, totals, lag, pauses, commit age, broker health. */
export function formatStatusLine(s: KafkaIngestStatus, prev: StatusLineState, now = Date.now()): string {
  const secs = Math.max((now - prev.lastAt) / 1000, 1e-3);
  const consumeRate = (s.consumed - prev.lastConsumed) / secs;
  const storeRate = (s.eventsStored - prev.lastStored) / secs;
  prev.lastAt = now;
  prev.lastConsumed = s.consumed;
  prev.lastStored = s.eventsStored;
  const assigned = s.partitions.length;
  const parts = [
    `[${((now - prev.startedAt) / 1000).toFixed(0).padStart(5)} s] ${s.state}`,
    `${assigned} partition${assigned === 1 ? '' : 's'}`,
    `${fmt(consumeRate)} msg/s in, ${fmt(storeRate)} events/s stored`,
    `stored ${fmt(s.eventsStored)} events, ${fmt(s.deadLettersStored)} dead letters`,
    `lag ${s.lag === null ? '?' : fmt(s.lag)}`,
    `in flight ${fmt(s.inFlightMessages)}`,
  ];
  if (s.pausedPartitions > 0) parts.push(`paused ${s.pausedPartitions} (${s.pauseReasons.join(', ')})`);
  else if (s.pauseReasons.length > 0) parts.push(`holding fetches (${s.pauseReasons.join(', ')})`);
  parts.push(s.lastCommitAt === null ? 'no commit yet' : `last commit ${((now - s.lastCommitAt) / 1000).toFixed(1)} s ago`);
  if (s.insertFailures > 0) parts.push(`insert failures ${s.insertFailures}`);
  if (s.commitFailures > 0) parts.push(`commit failures ${s.commitFailures}`);
  if (!s.brokerReachable) {
    parts.push(`BROKER UNREACHABLE${s.lastError ? `: ${s.lastError.message} (${((now - s.lastError.at) / 1000).toFixed(0)} s ago)` : ''}`);
  }
  return parts.join(' | ');
}
