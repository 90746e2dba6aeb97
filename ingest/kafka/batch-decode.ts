// One Kafka batch through the pipeline step: every message becomes either a
// JSONEachRow line for ticket_events or a dead_letters row. Synchronous on purpose:
// it runs inside eachBatch, and nothing here waits for I/O.
import type { KafkaMessage } from 'kafkajs';
import { toClickHouseTime } from '../../core/events/row.ts';
import { toDeadLetter, type DeadLetterRow } from '../../core/events/dead-letter.ts';
import { processMessage, type RowFormat } from '../pipeline.ts';

/** The encoding of the lines decodeBatch returns; the writer must be told the same. */
export const ROW_FORMAT: RowFormat = 'JSONCompactEachRow';

export interface DecodedBatch {
  lines: string[];
  deadLetters: DeadLetterRow[];
  /** Dead letters by reason. */
  reasons: Map<string, number>;
  /** Encoded size of the rows (memory accounting for back-pressure). */
  bytes: number;
  /** Set when the pipeline asked to retry: the whole batch is then fetched again. */
  retry: { error: unknown } | null;
}

const EMPTY = Buffer.alloc(0);

export function decodeBatch(topic: string, partition: number, messages: readonly KafkaMessage[], nowMs: number): DecodedBatch {
  // Compact rows: cheaper to build here and to parse in ClickHouse (docs/performance.md).
  const ctx = { nowMs, receivedAt: toClickHouseTime(nowMs), rowFormat: ROW_FORMAT };
  const lines: string[] = [];
  const deadLetters: DeadLetterRow[] = [];
  const reasons = new Map<string, number>();
  let bytes = 0;
  for (const m of messages) {
    const origin = { source: 'kafka' as const, topic, partition, offset: m.offset };
    if (m.value === null || m.value.length === 0) {
      // A tombstone (key, no value) or an empty value: nothing to decode, but it is
      // still input that must be accounted for, with its key to trace it back.
      const key = m.key && m.key.length > 0 ? ` (key ${JSON.stringify(m.key.toString('utf8').slice(0, 128))})` : '';
      const what = m.value === null ? 'the message has no value (a tombstone)' : 'the message value is empty';
      const row = toDeadLetter(EMPTY, { reason: 'empty', path: '', message: what + key }, origin, ctx.receivedAt);
      deadLetters.push(row);
      reasons.set('empty', (reasons.get('empty') ?? 0) + 1);
      bytes += 256;
      continue;
    }
    const r = processMessage(m.value, origin, ctx);
    if (r.kind === 'ok') {
      lines.push(r.line);
      bytes += r.line.length;
    } else if (r.kind === 'dead_letter') {
      deadLetters.push(r.row);
      reasons.set(r.row.reason, (reasons.get(r.row.reason) ?? 0) + 1);
      bytes += r.row.raw_hex.length + 256;
    } else {
      return { lines, deadLetters, reasons, bytes, retry: { error: r.error } };
    }
  }
  return { lines, deadLetters, reasons, bytes, retry: null };
}
