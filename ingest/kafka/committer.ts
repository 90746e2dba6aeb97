// Offset commits, one request at a time: positions that become committable while a
// commit is on the wire are coalesced (highest per partition) into the next one, so
// a commit never overtakes an earlier one for the same partition and the broker sees
// one OffsetCommit per round instead of one per batch.
import { tpKey } from './partition-ledger.ts';

export interface CommitTarget {
  topic: string;
  partition: number;
  /** The next offset to consume (Kafka's commit convention: last stored + 1). */
  offset: bigint;
  /** Consumer epoch (group generation) the position belongs to. */
  epoch: number;
}

export interface CommitterOptions {
  commit(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  currentEpoch(): number;
  onError(err: unknown, targets: readonly CommitTarget[]): void;
  /** Wait after a failed commit before trying again. */
  retryDelayMs: number;
}

export class Committer {
  private readonly pending = new Map<string, CommitTarget>();
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: CommitterOptions) {}

  request(target: CommitTarget): void {
    if (this.closed) return;
    const key = tpKey(target.topic, target.partition);
    const prev = this.pending.get(key);
    if (!prev || prev.epoch !== target.epoch || target.offset > prev.offset) this.pending.set(key, target);
    this.kick();
  }

  /** Forgets positions from earlier epochs: those partitions may belong to another member now. */
  dropStale(): void {
    const epoch = this.opts.currentEpoch();
    for (const [key, t] of this.pending) if (t.epoch !== epoch) this.pending.delete(key);
  }

  /** Stops committing (the consumer is leaving); waits for a commit already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await this.running;
  }

  /** True when nothing waits to be committed and no commit is on the wire. */
  get idle(): boolean {
    return this.running === null && this.pending.size === 0;
  }

  private kick(): void {
    this.running ??= this.loop().finally(() => {
      this.running = null;
      if (this.pending.size > 0 && !this.closed) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      const epoch = this.opts.currentEpoch();
      const targets = [...this.pending.values()].filter((t) => t.epoch === epoch);
      this.pending.clear();
      if (targets.length === 0) continue;
      try {
        await this.opts.commit(targets.map((t) => ({ topic: t.topic, partition: t.partition, offset: t.offset.toString() })));
      } catch (err) {
        this.opts.onError(err, targets);
        // Try again unless a newer position or a rebalance superseded it meanwhile.
        for (const t of targets) {
          if (this.closed || t.epoch !== this.opts.currentEpoch()) continue;
          const key = tpKey(t.topic, t.partition);
          if (!this.pending.has(key)) this.pending.set(key, t);
        }
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs));
      }
    }
  }
}
