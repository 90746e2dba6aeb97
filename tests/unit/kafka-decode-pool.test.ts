// The Kafka decode step on worker threads gives exactly what it gives in process:
// same rows (lineage included), same dead letters with reasons and offsets, for
// valid, malformed, tombstone and empty messages; a worker that dies mid-batch is
// replaced and its batches fail over to the caller, never silently lost.
import type { KafkaMessage } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { decodeBatch, decodePacked, packBatch } from '../../ingest/kafka/batch-decode.ts';
import { DecodePool } from '../../ingest/kafka/decode-pool.ts';
import { benchEvent, malformedMessage, MALFORMED_KINDS } from '../support/kafka-ingest-events.ts';

const NOW = Date.UTC(2026, 10, 27, 12);

function message(offset: number, value: Buffer | null, key: string | null = `T-${offset}`): KafkaMessage {
  return { key: key === null ? null : Buffer.from(key), value, offset: String(offset), timestamp: '0', attributes: 0, headers: {} } as unknown as KafkaMessage;
}

/** 300 valid events with every malformed kind, a tombstone and an empty value in between. */
function mixedBatch(base: number): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  for (let i = 0; i < 300; i++) {
    out.push(message(base + out.length, Buffer.from(JSON.stringify(benchEvent(base + i, 'pool')))));
    if (i % 50 === 7) {
      for (const kind of MALFORMED_KINDS) out.push(message(base + out.length, malformedMessage(i, 'pool', kind).value));
    }
  }
  out.push(message(base + out.length, null, 'T-gone'));
  out.push(message(base + out.length, Buffer.alloc(0), null));
  return out;
}

const pool = new DecodePool(2, createLogger('silent'));
afterAll(() => pool.close());

describe('Kafka batch decoding', () => {
  it('decodes a packed batch exactly as the kafkajs messages themselves', () => {
    const batch = mixedBatch(1_000);
    const direct = decodeBatch('t', 3, batch, NOW);
    const packed = decodePacked('t', 3, packBatch(batch), NOW);
    expect(packed).toEqual(direct);
    expect(direct.events).toBe(300);
    const lines = Buffer.from(direct.rows).toString('utf8').split('\n');
    expect(lines).toHaveLength(301);
    expect(lines.pop()).toBe('');
    // Every malformed kind (6 kinds × 6 places), the tombstone and the empty value.
    expect(direct.deadLetters).toHaveLength(38);
    const tombstone = direct.deadLetters.find((d) => d.detail.includes('"T-gone"'));
    expect(tombstone).toMatchObject({ reason: 'empty', kafka_topic: 't', kafka_partition: 3, kafka_offset: 1_000 + batch.length - 2 });
    expect(tombstone?.detail).toContain('tombstone');
    expect(direct.reasons.get('empty')).toBe(6 + 2);
    // Lineage: the row of the first event carries its own offset and partition.
    const first = JSON.parse(lines[0]) as unknown[];
    expect(first.slice(-3)).toEqual(['t', 3, 1_000]);
  });

  it('gives the same answer on a worker thread as in process, for many batches at once', async () => {
    const batches = Array.from({ length: 12 }, (_, i) => mixedBatch(10_000 * (i + 1)));
    const viaWorkers = await Promise.all(batches.map((b, i) => pool.decode('t', i, packBatch(b), NOW)));
    viaWorkers.forEach((d, i) => expect(d).toEqual(decodeBatch('t', i, batches[i], NOW)));
  });

  it('replaces a worker that died; its batches fail over to the caller, later ones decode on the new worker', async () => {
    // Big enough (~0.2 s of work each) that the worker is still busy when it is killed.
    const big = Array.from({ length: 40_000 }, (_, i) => message(i, Buffer.from(JSON.stringify(benchEvent(i, 'big')))));
    const batch = mixedBatch(500_000);
    const slots = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
    const inFlight = [0, 1, 2, 3].map(() => pool.decode('t', 0, packBatch(big), NOW));
    await slots[0].worker.terminate();
    const settled = await Promise.allSettled(inFlight);
    // The batch on the killed worker is rejected (the consumer then decodes it in process); none hangs.
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
    for (const s of settled) if (s.status === 'fulfilled') expect(s.value.events).toBe(40_000);
    await expect.poll(() => pool.restarts).toBeGreaterThanOrEqual(1);
    const again = await Promise.all([0, 1, 2, 3].map(() => pool.decode('t', 0, packBatch(batch), NOW)));
    for (const d of again) expect(d).toEqual(decodeBatch('t', 0, batch, NOW));
  });
});
