// Samples the consumer's per-partition lag into ClickHouse (kafka_consumer_lag) on an
// interval, so the pipeline-health dashboard can show lag over time. Sampling is best
// effort by design: a failed sample is logged and the next one tries again — it must
// never slow or stop ingestion, which is why it runs on its own timer and never
// touches the writer or the commit path.
import { hostname } from 'node:os';
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { Logger } from '../../core/log.ts';
import type { KafkaIngestStatus } from './status.ts';

export interface LagRecorderOptions {
  ch: ClickHouse;
  status: () => KafkaIngestStatus;
  intervalMs: number;
  log: Logger;
  /** Identifies this consumer among the group's members; host:pid by default. */
  consumer?: string;
  now?: () => number;
}

export interface LagRow {
  recorded_at: string;
  group_id: string;
  consumer: string;
  topic: string;
  partition: number;
  committed_offset: string;
  high_watermark: string;
  lag: number;
  paused: number;
}

/** One row per assigned partition whose committed offset and high watermark are both known. */
export function lagRows(status: KafkaIngestStatus, consumer: string, nowMs: number): LagRow[] {
  const at = toClickHouseTime(nowMs);
  return status.partitions.flatMap((p) =>
    p.lag === null || p.committed === null || p.highWatermark === null
      ? []
      : [
          {
            recorded_at: at,
            group_id: status.groupId,
            consumer,
            topic: p.topic,
            partition: p.partition,
            committed_offset: p.committed,
            high_watermark: p.highWatermark,
            lag: p.lag,
            paused: p.paused ? 1 : 0,
          },
        ],
  );
}

export interface LagRecorder {
  /** Writes one sample now; resolves to the number of rows written. */
  sample(): Promise<number>;
  /** Stops the timer and waits for a sample in progress. */
  stop(): Promise<void>;
}

export function startLagRecorder(opts: LagRecorderOptions): LagRecorder {
  const consumer = opts.consumer ?? `${hostname()}:${process.pid}`;
  const now = opts.now ?? Date.now;
  const log = opts.log.child({ component: 'kafka-lag-recorder' });
  let inFlight: Promise<number> | null = null;
  let failing = false;

  const sample = (): Promise<number> => {
    inFlight ??= (async () => {
      const rows = lagRows(opts.status(), consumer, now());
      if (rows.length === 0) return 0;
      try {
        await opts.ch.client.insert({ table: 'kafka_consumer_lag', format: 'JSONEachRow', values: rows });
        if (failing) log.info('consumer-lag samples are being written again');
        failing = false;
        return rows.length;
      } catch (err) {
        // One warning per failure streak, not one per interval.
        if (!failing) log.warn({ err: errorMessage(err) }, 'could not write a consumer-lag sample; will retry on the next interval');
        failing = true;
        return 0;
      }
    })().finally(() => (inFlight = null));
    return inFlight;
  };

  const timer = opts.intervalMs > 0 ? setInterval(() => void sample(), opts.intervalMs) : null;
  timer?.unref();
  return {
    sample,
    async stop() {
      if (timer) clearInterval(timer);
      await inFlight;
    },
  };
}
