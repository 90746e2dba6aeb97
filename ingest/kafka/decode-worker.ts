// The decode worker thread: packed Kafka batches in, decoded rows out. Runs the same
// pure pipeline step as the consumer does without workers (batch-decode.ts).
import { parentPort } from 'node:worker_threads';
import { decodePacked, type DecodedBatch, type PackedBatch } from './batch-decode.ts';

export interface DecodeRequest {
  id: number;
  topic: string;
  partition: number;
  nowMs: number;
  packed: PackedBatch;
}

/** Asks the worker to finish: it stops listening and its thread ends on its own. */
export interface CloseRequest {
  close: true;
}

export type DecodeResponse = { id: number; ok: true; decoded: DecodedBatch } | { id: number; ok: false; error: string };

const port = parentPort;
if (port) {
  port.on('message', (req: DecodeRequest | CloseRequest) => {
    if ('close' in req) {
      port.close();
      return;
    }
    let res: DecodeResponse;
    try {
      res = { id: req.id, ok: true, decoded: decodePacked(req.topic, req.partition, req.packed, req.nowMs) };
    } catch (err) {
      res = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    // A retry verdict carries an arbitrary error object: send its message only.
    if (res.ok && res.decoded.retry) res.decoded.retry = { error: String((res.decoded.retry.error as Error)?.message ?? res.decoded.retry.error) };
    // The rows move to the consumer thread without a copy.
    port.postMessage(res, res.ok ? [res.decoded.rows.buffer as ArrayBuffer] : []);
  });
}
