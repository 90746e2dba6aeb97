// Feeds simulator batches straight into the batching writer (no HTTP, no Kafka):
// the demo's in-process path. Lines go through the same pipeline step as HTTP and
// Kafka input, so malformed simulator lines become dead letters too.
import { randomUUID } from 'node:crypto';
import { toClickHouseTime } from '../core/events/row.ts';
import type { DeadLetterRow } from '../core/events/dead-letter.ts';
import { processMessage } from './pipeline.ts';
import type { BatchWriter } from './writer/batch-writer.ts';

export interface LineBatch {
  lines: string[];
}

export interface WriterSink {
  name: string;
  send(batch: LineBatch): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sends without waiting for each flush (that would cap throughput at one batch per
 * flush interval) but keeps the writer's buffer bounded: once more than
 * `maxBufferedRows` wait, send() waits for the oldest write to be stored.
 */
export function writerSink(writer: BatchWriter, opts: { maxBufferedRows?: number; now?: () => number } = {}): WriterSink {
  const runId = randomUUID().slice(0, 8);
  const now = opts.now ?? Date.now;
  const maxBuffered = opts.maxBufferedRows ?? 50_000;
  const inflight: Array<Promise<unknown>> = [];
  let failure: unknown = null;
  let seq = 0;

  const track = (p: Promise<unknown>) => {
    const tracked = p.catch((err) => {
      failure ??= err;
    });
    inflight.push(tracked);
    void tracked.then(() => {
      const i = inflight.indexOf(tracked);
      if (i >= 0) inflight.splice(i, 1);
    });
  };

  return {
    name: 'clickhouse',
    async send(batch) {
      if (failure) throw failure;
      const nowMs = now();
      const ctx = { nowMs, receivedAt: toClickHouseTime(nowMs) };
      const requestId = `${runId}-${seq++}`;
      const lines: string[] = [];
      const deadLetters: DeadLetterRow[] = [];
      batch.lines.forEach((line, index) => {
        const r = processMessage(line, { source: 'simulator', requestId, index }, ctx);
        if (r.kind === 'ok') lines.push(r.line);
        else if (r.kind === 'dead_letter') deadLetters.push(r.row);
      });
      track(writer.write(lines, deadLetters));
      while (writer.bufferedRows > maxBuffered && inflight.length > 0) await inflight[0];
      if (failure) throw failure;
    },
    async close() {
      await writer.flush();
      await Promise.all(inflight);
      if (failure) throw failure;
    },
  };
}
