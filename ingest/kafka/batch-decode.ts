// One Kafka batch through the pipeline step: every message becomes either a
// JSONCompactEachRow row for ticket_events or a dead_letters row. Synchronous on
// purpose: nothing here waits for I/O. It runs on a decode worker thread
// (decode-pool.ts) or, without workers, inside eachBatch. Plain valid events take the
// byte-level fast path (core/events/compact-rows.ts); every other message the general
// pipeline step, which alone decides rejections.
import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';
import { CompactRowsBuilder } from '../../core/events/compact-rows.ts';
import { compactLineTail, toClickHouseTime } from '../../core/events/row.ts';
import { toDeadLetter, type DeadLetterRow } from '../../core/events/dead-letter.ts';
import { processMessage, type RowFormat } from '../pipeline.ts';

/** The encoding of the rows decodeBatch returns; the writer must be told the same. */
export const ROW_FORMAT = 'JSONCompactEachRow' as const satisfies RowFormat;

export interface DecodedBatch {
  /** The accepted events' rows as UTF-8, each ending in '\n' (empty when none). */
  rows: Uint8Array;
  /** Number of rows in `rows`. */
  events: number;
  deadLetters: DeadLetterRow[];
  /** Dead letters by reason. */
  reasons: Map<string, number>;
  /** Set when the pipeline asked to retry: the batch is decoded again later. */
  retry: { error: unknown } | null;
}

/**
 * A batch's message values in one buffer, so it can move to a worker thread as a
 * single transferable instead of thousands of cloned Buffers.
 */
export interface PackedBatch {
  data: Uint8Array;
  /** End of message i's value in `data` (its start is the previous end). */
  ends: Uint32Array;
  /** Kafka offset of message i (a double is exact up to 2^53). */
  offsets: Float64Array;
  /** Messages without a value (tombstones) or with an empty one, by index, with their key. */
  empties: Map<number, { isNull: boolean; key: string | null }>;
}

export function packBatch(messages: readonly KafkaMessage[]): PackedBatch {
  const n = messages.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += messages[i].value?.length ?? 0;
  // Not from Buffer's shared pool: the whole buffer is transferred to the worker.
  const data = new Uint8Array(total);
  const ends = new Uint32Array(n);
  const offsets = new Float64Array(n);
  const empties = new Map<number, { isNull: boolean; key: string | null }>();
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    offsets[i] = Number(m.offset);
    const v = m.value;
    if (v === null || v.length === 0) empties.set(i, { isNull: v === null, key: keyText(m.key) });
    else {
      data.set(v, pos);
      pos += v.length;
    }
    ends[i] = pos;
  }
  return { data, ends, offsets, empties };
}

/** Decodes a packed batch (on a worker thread, or in process). */
export function decodePacked(topic: string, partition: number, packed: PackedBatch, nowMs: number): DecodedBatch {
  const { data, ends, offsets, empties } = packed;
  const out = new Decoder(topic, partition, nowMs, data.length);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // One check for the whole batch. A message the fast path takes starts and ends
  // with ASCII, so in valid UTF-8 it is itself valid; when the batch is not, each
  // message is checked on its own.
  const allUtf8 = isUtf8(buf);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    const empty = end === start ? empties.get(i) : undefined;
    if (empty) out.empty(offsets[i], empty.isNull, empty.key);
    else out.message(buf, start, end, offsets[i], allUtf8 || isUtf8(buf.subarray(start, end)));
    start = end;
  }
  return out.finish();
}

/** Decodes kafkajs messages directly (no worker). */
export function decodeBatch(topic: string, partition: number, messages: readonly KafkaMessage[], nowMs: number): DecodedBatch {
  let size = 0;
  for (const m of messages) size += m.value?.length ?? 0;
  const out = new Decoder(topic, partition, nowMs, size);
  for (const m of messages) {
    if (m.value === null || m.value.length === 0) out.empty(m.offset, m.value === null, keyText(m.key));
    else out.message(m.value, 0, m.value.length, m.offset, isUtf8(m.value));
  }
  return out.finish();
}

const EMPTY = Buffer.alloc(0);

class Decoder {
  private readonly rows: CompactRowsBuilder;
  private readonly deadLetters: DeadLetterRow[] = [];
  private readonly reasons = new Map<string, number>();
  private retry: { error: unknown } | null = null;
  private readonly ctx;

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    nowMs: number,
    inputBytes: number,
  ) {
    // Compact rows: cheaper to build here and to parse in ClickHouse (docs/performance.md).
    this.ctx = { nowMs, receivedAt: toClickHouseTime(nowMs), rowFormat: ROW_FORMAT };
    // A compact row is shorter than its event (no keys) plus the lineage columns.
    this.rows = new CompactRowsBuilder(compactLineTail({ source: 'kafka', topic, partition }, this.ctx.receivedAt), nowMs, inputBytes * 1.25);
  }

  /** The message value in src[start, end); `utf8`: it is valid UTF-8, which the fast path needs. */
  message(src: Buffer, start: number, end: number, offset: number | string, utf8: boolean): void {
    if (this.retry) return;
    // The common case allocates nothing per message: no view, no string.
    if (utf8 && this.rows.tryEvent(src, start, end, Number(offset))) return;
    const value = start === 0 && end === src.length ? src : src.subarray(start, end);
    const r = processMessage(value, { source: 'kafka', topic: this.topic, partition: this.partition, offset }, this.ctx);
    if (r.kind === 'ok') this.rows.pushLine(r.line);
    else if (r.kind === 'dead_letter') this.dead(r.row);
    else this.retry = { error: r.error };
  }

  /** A tombstone (key, no value) or an empty value: nothing to decode, but still input to account for. */
  empty(offset: number | string, isNull: boolean, key: string | null): void {
    if (this.retry) return;
    const what = isNull ? 'the message has no value (a tombstone)' : 'the message value is empty';
    const suffix = key !== null ? ` (key ${JSON.stringify(key)})` : '';
    const origin = { source: 'kafka' as const, topic: this.topic, partition: this.partition, offset };
    this.dead(toDeadLetter(EMPTY, { reason: 'empty', path: '', message: what + suffix }, origin, this.ctx.receivedAt));
  }

  private dead(row: DeadLetterRow): void {
    this.deadLetters.push(row);
    this.reasons.set(row.reason, (this.reasons.get(row.reason) ?? 0) + 1);
  }

  finish(): DecodedBatch {
    return { rows: this.rows.finish(), events: this.rows.rows, deadLetters: this.deadLetters, reasons: this.reasons, retry: this.retry };
  }
}

function keyText(key: Buffer | null | undefined): string | null {
  return key && key.length > 0 ? key.toString('utf8').slice(0, 128) : null;
}
