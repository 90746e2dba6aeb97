// What the consumer knows about itself: lifecycle state, assignment, pauses,
// watermarks and commits per partition, broker contact. The consumer updates it from
// kafkajs events; status(), the status line and the Prometheus probe read it.
import type { KafkaProbe } from '../../core/metrics.ts';
import type { BatchTracker } from './batch-tracker.ts';
import { tpKey } from './partition-ledger.ts';
import type { KafkaIngestState, KafkaIngestStatus, PartitionStatus } from './status.ts';

export type Assignment = Array<{ topic: string; partitions: number[] }>;

export class IngestState {
  state: KafkaIngestState = 'connecting';
  stopping = false;
  assignment: Assignment = [];
  /** Partitions kafkajs has been told to pause. */
  readonly paused = new Set<string>();
  readonly highWatermarks = new Map<string, bigint>();
  /** Committed offset per assigned partition, as far as this member knows it. */
  readonly committed = new Map<string, bigint>();
  lastCommitAt: number | null = null;
  /** Last successful exchange with a broker (batch, heartbeat, commit, join). */
  lastContactAt: number | null = null;
  lastFetchAt: number | null = null;
  lastError: { message: string; at: number } | null = null;
  commits = 0;
  commitFailures = 0;
  rebalances = 0;
  restarts = 0;
  /** Batches refused because they did not continue their partition (stale fetches). */
  skippedBatches = 0;

  constructor(
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly tracker: BatchTracker,
    private readonly brokerStaleMs: number,
  ) {}

  /** A new generation's assignment; `paused` restarts from what kafkajs reports. */
  assign(assignment: Assignment, pausedNow: Assignment): void {
    this.assignment = assignment;
    const assigned = new Set(assignment.flatMap(({ topic, partitions }) => partitions.map((p) => tpKey(topic, p))));
    for (const key of [...this.highWatermarks.keys()]) if (!assigned.has(key)) this.highWatermarks.delete(key);
    this.committed.clear();
    this.paused.clear();
    for (const { topic, partitions } of pausedNow) for (const p of partitions) this.paused.add(tpKey(topic, p));
  }

  /** The consumer crashed: it owns nothing until it joins again. */
  unassign(): void {
    this.assignment = [];
    this.paused.clear();
  }

  noteCommitted(topic: string, partition: number, offset: bigint): void {
    this.committed.set(tpKey(topic, partition), offset);
  }

  get assignedCount(): number {
    return this.assignment.reduce((n, a) => n + a.partitions.length, 0);
  }

  get brokerReachable(): boolean {
    return this.lastContactAt !== null && Date.now() - this.lastContactAt < this.brokerStaleMs;
  }

  /**
   * Joined the consumer group and still a member: the state a fresh consumer reaches
   * only after its first join, and leaves on a crash or on stop. A rebalance keeps it:
   * the member is still in the group and takes part in the new generation.
   */
  get groupMember(): boolean {
    return this.state === 'consuming' || this.state === 'paused' || this.state === 'rebalancing';
  }

  /** What /readyz reports for Kafka: a group member that heard from a broker recently. */
  get ready(): boolean {
    return this.groupMember && this.brokerReachable;
  }

  partitionStatuses(): PartitionStatus[] {
    const out: PartitionStatus[] = [];
    for (const { topic, partitions } of this.assignment) {
      for (const partition of partitions) {
        const key = tpKey(topic, partition);
        const c = this.committed.get(key);
        const hw = this.highWatermarks.get(key);
        out.push({
          topic,
          partition,
          committed: c === undefined ? null : c.toString(),
          highWatermark: hw === undefined ? null : hw.toString(),
          lag: c === undefined || hw === undefined ? null : Math.max(0, Number(hw - c)),
          paused: this.paused.has(key),
          inFlightBatches: this.tracker.ledger(topic, partition)?.size ?? 0,
        });
      }
    }
    return out;
  }

  status(): KafkaIngestStatus {
    const t = this.tracker;
    const partitions = this.partitionStatuses();
    const known = partitions.filter((p) => p.lag !== null);
    const reasons: string[] = [];
    if (this.stopping) reasons.push('shutting down');
    if (t.failingPartitions > 0) reasons.push(`ClickHouse writes failing on ${t.failingPartitions}`);
    if (t.isBackpressured) reasons.push('back-pressure');
    return {
      state: this.state,
      groupId: this.groupId,
      topics: [...this.topics],
      consumed: t.counters.consumed,
      eventsStored: t.counters.eventsStored,
      deadLettersStored: t.counters.deadLettersStored,
      inFlightMessages: t.inFlightMessages,
      inFlightBytes: t.inFlightBytes,
      lag: known.length === 0 ? null : known.reduce((n, p) => n + (p.lag ?? 0), 0),
      partitions,
      pausedPartitions: this.paused.size,
      pauseReasons: reasons,
      insertFailures: t.counters.insertFailures,
      commits: this.commits,
      commitFailures: this.commitFailures,
      lastCommitAt: this.lastCommitAt,
      rebalances: this.rebalances,
      restarts: this.restarts,
      abandonedBatches: t.counters.abandonedBatches,
      brokerReachable: this.brokerReachable,
      groupMember: this.groupMember,
      ready: this.ready,
      lastFetchAt: this.lastFetchAt,
      lastError: this.lastError,
    };
  }

  /** Scrape-time view for the Prometheus gauges. */
  probe(): KafkaProbe {
    return {
      lag: () => this.partitionStatuses().flatMap((p) => (p.lag === null ? [] : [{ topic: p.topic, partition: p.partition, lag: p.lag }])),
      pausedPartitions: () => this.paused.size,
      assignedPartitions: () => this.assignedCount,
      inFlightMessages: () => this.tracker.inFlightMessages,
      lastCommitSeconds: () => (this.lastCommitAt === null ? null : this.lastCommitAt / 1000),
      brokerReachable: () => (this.brokerReachable ? 1 : 0),
    };
  }
}
