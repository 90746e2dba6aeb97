// Decoding, validation and row encoding of Kafka batches on worker threads. On two
// cores the consumer thread was the bottleneck: kafkajs's own fetch decoding plus
// ~7 µs per event of JSON parsing, validation and encoding (docs/performance.md).
// With the pipeline step on a worker, the consumer thread only fetches, packs each
// batch's values into one transferable buffer and keeps the books, while the worker
// decodes and ClickHouse inserts on threads of their own.
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { DecodedBatch, PackedBatch } from './batch-decode.ts';
import type { CloseRequest, DecodeRequest, DecodeResponse } from './decode-worker.ts';

const WORKER_URL = new URL('./decode-worker.mjs', import.meta.url);

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (d: DecodedBatch) => void; reject: (e: Error) => void }>;
  /** Messages queued on this worker, for picking the least loaded one. */
  load: number;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died and were replaced (a metric of trouble, normally 0). */
  restarts = 0;

  constructor(
    readonly size: number,
    private readonly log: Logger,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  /**
   * Decodes a packed batch on the least loaded worker. The worker gets a copy, so the
   * caller keeps `packed` and decodes it in process if the worker dies with it
   * (the call rejects then).
   */
  decode(topic: string, partition: number, packed: PackedBatch, nowMs: number): Promise<DecodedBatch> {
    if (this.closed) return Promise.reject(new Error('the decode pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
    const id = this.nextId++;
    const n = packed.ends.length;
    slot.load += n;
    return new Promise<DecodedBatch>((resolve, reject) => {
      slot.pending.set(id, {
        resolve: (d) => {
          slot.load -= n;
          resolve(d);
        },
        reject: (e) => {
          slot.load -= n;
          reject(e);
        },
      });
      const req: DecodeRequest = { id, topic, partition, nowMs, packed };
      slot.worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        this.failAll(slot, new Error('the decode pool closed'));
        // A thread that ends on its own flushes what it holds (e.g. --cpu-prof output);
        // terminate() is the fallback for one that does not.
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        const close: CloseRequest = { close: true };
        slot.worker.postMessage(close);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 2_000)));
        if ((await Promise.race([exited, late])) === 'late') await slot.worker.terminate();
        clearTimeout(timer);
      }),
    );
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL, { execArgv: workerExecArgv(), name: `ticketpulse-decode-${index}` });
    // Workers must not keep a finished process alive; pending decodes hold it anyway.
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), load: 0 };
    worker.on('message', (res: DecodeResponse) => {
      const p = slot.pending.get(res.id);
      if (!p) return;
      slot.pending.delete(res.id);
      if (res.ok) p.resolve(res.decoded);
      else p.reject(new Error(`decode worker failed: ${res.error}`));
    });
    const replace = (why: string) => {
      this.failAll(slot, new Error(`decode worker stopped: ${why}`));
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.restarts++;
      this.log.warn({ worker: index, why }, 'decode worker stopped; starting a new one');
      this.slots[at] = this.spawn(index);
    };
    worker.on('error', (err) => replace(errorMessage(err)));
    worker.on('exit', (code) => {
      if (!this.closed) replace(`exited with code ${code}`);
    });
    return slot;
  }

  private failAll(slot: Slot, err: Error): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/**
 * The process's node options minus module loaders: the bootstrap registers the
 * TypeScript loader itself, and an inherited `--import tsx` would register it twice.
 * Everything else (e.g. --cpu-prof) applies to the worker as well.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--import' || a === '--loader' || a === '--experimental-loader' || a === '--require' || a === '-r') i++;
    else if (!/^--(import|loader|experimental-loader|require)=/.test(a)) out.push(a);
  }
  return out;
}
