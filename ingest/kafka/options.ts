// Consumer tuning. The defaults come from the ingest benchmark (docs/performance.md):
// big fetches and several partitions per fetch keep kafkajs busy while ClickHouse
// inserts run on other threads; the in-flight bounds cap memory when ClickHouse is
// slower than Kafka.
import type { Config } from '../../core/config/index.ts';

export interface KafkaIngestTuning {
  /** Upper bound of one fetch response (all partitions of a broker). */
  maxBytes: number;
  maxBytesPerPartition: number;
  /** How long a fetch waits on the broker for new data when there is none. */
  maxWaitTimeInMs: number;
  /** kafkajs workers handing batches to eachBatch; several overlap kafkajs's per-batch awaits (heartbeats) with our synchronous handler. */
  partitionsConsumedConcurrently: number;
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  /** Pause every partition once this many consumed messages wait for ClickHouse. */
  maxInFlightMessages: number;
  /** …or once their encoded rows take this many bytes. */
  maxInFlightBytes: number;
  /** Time `stop()` may take to flush, commit and leave the group before it abandons the rest. */
  shutdownGraceMs: number;
  /** Backoff between retries of a batch whose write failed (full jitter, see ingest/writer). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Delay before a consumer that crashed for good is recreated. */
  restartDelayMs: number;
  /** No batch, heartbeat or commit for this long marks the brokers unreachable. */
  brokerStaleMs: number;
  /**
   * Worker threads that decode, validate and encode batches (0: on the consumer
   * thread). One takes the JSON work off the thread kafkajs runs on.
   */
  decodeWorkers: number;
  /** Log level of the kafkajs client's own messages (they go to the process log). */
  clientLogLevel: 'error' | 'warn' | 'info' | 'debug';
}

export const DEFAULT_TUNING: Omit<KafkaIngestTuning, 'retryBaseMs' | 'retryMaxMs' | 'decodeWorkers'> = {
  maxBytes: 16 * 1024 * 1024,
  maxBytesPerPartition: 1024 * 1024,
  maxWaitTimeInMs: 250,
  partitionsConsumedConcurrently: 4,
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
  maxInFlightMessages: 100_000,
  maxInFlightBytes: 128 * 1024 * 1024,
  shutdownGraceMs: 30_000,
  restartDelayMs: 2_000,
  brokerStaleMs: 10_000,
  clientLogLevel: 'warn',
};

export function resolveTuning(config: Config, overrides: Partial<KafkaIngestTuning> = {}): KafkaIngestTuning {
  return {
    ...DEFAULT_TUNING,
    retryBaseMs: config.ingest.retryBaseMs,
    retryMaxMs: config.ingest.retryMaxMs,
    decodeWorkers: config.kafka.decodeWorkers,
    ...stripUndefined(overrides),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
