// Where a partition may start in a new group generation: at or before the group's
// committed offset (or, with nothing committed yet, at or before the earliest offset
// Kafka still has). kafkajs can hand eachBatch a batch fetched under the previous
// generation after the join; only this bound tells such a batch from a legitimate one,
// and accepting it could commit past rows that were never stored.
import type { Admin, Kafka } from 'kafkajs';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { tpKey } from './partition-ledger.ts';

interface Cached {
  value: Promise<bigint | null>;
  at: number;
}

/** A failed check may look the partition up again after this long (not on every fetch). */
const REFRESH_AFTER_MS = 1_000;

export class StartPositions {
  private admin: Admin | null = null;
  private connecting: Promise<Admin> | null = null;
  private epoch = -1;
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly log: Logger,
  ) {}

  /**
   * The highest offset a first batch of `topic/partition` may start at in `epoch`, or
   * null when it cannot be known right now (brokers unreachable): skip the batch then.
   */
  safeStart(epoch: number, assignment: ReadonlyArray<{ topic: string; partitions: readonly number[] }>, topic: string, partition: number): Promise<bigint | null> {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.cache.clear();
    }
    const key = tpKey(topic, partition);
    const hit = this.cache.get(key);
    if (hit) return hit.value;
    // One request for the whole assignment at the start of a generation.
    const wanted = this.cache.size === 0 ? assignment : [{ topic, partitions: [partition] }];
    const lookup = this.lookup(wanted);
    const at = Date.now();
    for (const a of wanted) {
      for (const p of a.partitions) {
        const k = tpKey(a.topic, p);
        if (!this.cache.has(k) || k === key) this.cache.set(k, { at, value: lookup.then((m) => m?.get(k) ?? null) });
      }
    }
    return this.cache.get(key)!.value;
  }

  /** Forgets the bound after a failed check, so it is looked up again (at most once a second). */
  invalidate(topic: string, partition: number): void {
    const key = tpKey(topic, partition);
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at >= REFRESH_AFTER_MS) this.cache.delete(key);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    this.connecting = null;
    await admin?.disconnect().catch(() => undefined);
  }

  private async lookup(parts: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): Promise<Map<string, bigint> | null> {
    try {
      const admin = await this.connect();
      const topics = [...new Set(parts.map((p) => p.topic))];
      const out = new Map<string, bigint>();
      const unset: string[] = [];
      for (const t of await admin.fetchOffsets({ groupId: this.groupId, topics })) {
        for (const p of t.partitions) {
          const offset = BigInt(p.offset);
          if (offset >= 0n) out.set(tpKey(t.topic, p.partition), offset);
          else if (!unset.includes(t.topic)) unset.push(t.topic);
        }
      }
      // Nothing committed: the consumer starts from the earliest offset still kept.
      for (const topic of unset) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          const key = tpKey(topic, p.partition);
          if (!out.has(key)) out.set(key, BigInt(p.low));
        }
      }
      return out;
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'cannot read committed offsets; batches wait until they can be checked');
      this.connecting = null;
      return null;
    }
  }

  private connect(): Promise<Admin> {
    this.connecting ??= (async () => {
      const admin = this.admin ?? this.kafka.admin({ retry: { initialRetryTime: 200, retries: 3 } });
      this.admin = admin;
      await admin.connect();
      return admin;
    })();
    return this.connecting;
  }
}
