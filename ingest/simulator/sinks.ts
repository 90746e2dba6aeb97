// Where simulated lines go: an NDJSON file, the HTTP ingest endpoint, or Kafka.
// (The in-process sink into the batching writer lives in ingest/writer-sink.ts.)
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, Partitioners, logLevel as KafkaLogLevel, type Producer } from 'kafkajs';
import { TicketPulseError, type ErrorCode } from '../../core/errors.ts';

export interface SimBatch {
  lines: string[];
  /** Partitioning key per line: the ticket id, or null for a malformed line. */
  keys: (string | null)[];
}

export interface EventSink {
  name: string;
  send(batch: SimBatch): Promise<void>;
  close(): Promise<void>;
}

/** Appends NDJSON; close() resolves once everything is on disk. */
export function fileSink(path: string): EventSink {
  let stream: WriteStream | null = null;
  let failure: Error | null = null;
  const open = async (): Promise<WriteStream> => {
    if (stream) return stream;
    await mkdir(dirname(path), { recursive: true });
    stream = createWriteStream(path, { flags: 'a' });
    stream.on('error', (err) => {
      failure ??= err;
    });
    return stream;
  };
  return {
    name: `file:${path}`,
    async send(batch) {
      if (failure) throw failure;
      if (batch.lines.length === 0) return;
      const s = await open();
      if (!s.write(batch.lines.join('\n') + '\n')) await once(s, 'drain');
      if (failure) throw failure;
    },
    async close() {
      if (!stream) return;
      const s = stream;
      stream = null;
      if (!s.closed) {
        const closed = once(s, 'close');
        s.end();
        await closed;
      }
      if (failure) throw failure;
    },
  };
}

export interface HttpSinkOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Attempts per batch on 5xx, 408, 429 and network errors (default 8). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface HttpSinkStats {
  requests: number;
  retries: number;
  /** Per-event outcome as reported by the server. */
  accepted: number;
  rejected: number;
}

export interface HttpSink extends EventSink {
  readonly stats: HttpSinkStats;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

class RetriableHttpError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/** The ingest report shape ({ accepted, rejected, errors }) that lists per-event rejections. */
function perEventReport(body: unknown): { accepted: number; rejected: number } | null {
  if (body === null || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (typeof b.accepted !== 'number') return null;
  const rejected = typeof b.rejected === 'number' ? b.rejected : Array.isArray(b.rejected) ? b.rejected.length : 0;
  return { accepted: b.accepted, rejected };
}

function retryAfter(res: Response): number | null {
  const h = res.headers.get('retry-after');
  if (h === null) return null;
  const secs = Number(h);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(h);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * POSTs each batch as application/x-ndjson. Server errors and network failures are
 * retried with capped exponential backoff (the ingest is idempotent by event_id, so a
 * retried batch cannot double-count); other 4xx answers are the caller's bug and throw.
 * Per-event rejections reported in the body (the malformed lines) are not failures.
 */
export function httpSink(url: string, opts: HttpSinkOptions = {}): HttpSink {
  const doFetch = opts.fetch ?? fetch;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
  const base = opts.retryBaseMs ?? 200;
  const cap = opts.retryMaxMs ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', accept: 'application/json', ...opts.headers };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const stats: HttpSinkStats = { requests: 0, retries: 0, accepted: 0, rejected: 0 };

  const attempt = async (body: string): Promise<void> => {
    stats.requests++;
    let res: Response;
    try {
      res = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new RetriableHttpError(`POST ${url} failed: ${(err as Error).message}`, null);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      throw new RetriableHttpError(`POST ${url}: HTTP ${res.status} ${text.slice(0, 200)}`, retryAfter(res));
    }
    const report = perEventReport(json);
    if (res.ok || (res.status >= 400 && report !== null)) {
      if (report) {
        stats.accepted += report.accepted;
        stats.rejected += report.rejected;
      }
      return;
    }
    throw new TicketPulseError(STATUS_CODES[res.status] ?? 'bad_request', `POST ${url}: HTTP ${res.status} ${text.slice(0, 500)}`, {
      details: { status: res.status },
    });
  };

  return {
    name: `http:${url}`,
    stats,
    async send(batch) {
      if (batch.lines.length === 0) return;
      const body = batch.lines.join('\n') + '\n';
      for (let n = 1; ; n++) {
        try {
          await attempt(body);
          return;
        } catch (err) {
          if (!(err instanceof RetriableHttpError)) throw err;
          if (n >= maxAttempts) {
            throw new TicketPulseError('internal', `${err.message} (gave up after ${n} attempts)`, { retriable: true, cause: err });
          }
          stats.retries++;
          // Jitter keeps many simulators from retrying in lockstep; it is transport
          // randomness, outside the seeded data, so determinism is unaffected.
          const backoff = Math.min(cap, base * 2 ** (n - 1)) * (0.5 + randomInt(1000) / 2000);
          await sleep(err.retryAfterMs ?? backoff);
        }
      }
    },
    async close() {},
  };
}

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  /** kafkajs log level (default WARN). */
  logLevel?: KafkaLogLevel;
}

/**
 * Produces each line keyed by ticket id, so one ticket's events share a partition and
 * keep their order; acks from all in-sync replicas before a batch counts as sent.
 */
export function kafkaSink(opts: KafkaSinkOptions): EventSink {
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'ticketpulse-simulator',
    brokers: opts.brokers,
    logLevel: opts.logLevel ?? KafkaLogLevel.WARN,
  });
  // The explicit partitioner silences kafkajs's v2 migration warning and pins the
  // Java-compatible murmur2 hashing, so keys land where other clients put them too.
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  let connecting: Promise<void> | null = null;
  return {
    name: `kafka:${opts.topic}`,
    async send(batch) {
      if (batch.lines.length === 0) return;
      connecting ??= producer.connect();
      await connecting;
      await producer.send({
        topic: opts.topic,
        acks: -1,
        messages: batch.lines.map((value, i) => ({ key: batch.keys[i] ?? null, value })),
      });
    },
    async close() {
      if (connecting === null) return;
      await connecting.catch(() => undefined);
      connecting = null;
      await producer.disconnect();
    },
  };
}
