// A local HTTP server that stands in for a chat tool or webhook consumer: it records
// every request, answers with scripted failures (500s, 429 with Retry-After, slow
// answers) and, like a careful real receiver, can drop repeated idempotency keys.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** The parsed body, when it is JSON. */
  json: unknown;
  /** The idempotency key header, when present. */
  key: string | null;
  /** The status this receiver answered. */
  status: number;
  /** A repeated idempotency key that was answered 200 and dropped. */
  duplicate: boolean;
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface WebhookReceiverOptions {
  /** Answer a repeated idempotency key with 200 without accepting it again. */
  dropRepeatedKeys?: boolean;
  keyHeader?: string;
  /** Body of a success answer: 'ok' (Slack) by default; '{"errcode":0,"errmsg":"ok"}' for DingTalk / WeCom. */
  successBody?: string;
  /** Delay before every answer. */
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  readonly requests: RecordedRequest[];
  /** Requests answered with success that were not repeats. */
  accepted(): RecordedRequest[];
  /** Answers for the next requests, in order; afterwards requests succeed again. */
  respond(...responses: ScriptedResponse[]): void;
  /** A function deciding every answer (null = success); overrides `respond` while set. */
  respondWith(fn: ((req: RecordedRequest) => ScriptedResponse | null) | null): void;
  /** Resolves once at least `n` requests arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export const ROBOT_OK = '{"errcode":0,"errmsg":"ok"}';

export async function startWebhookReceiver(opts: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const keyHeader = (opts.keyHeader ?? 'x-ticketpulse-idempotency-key').toLowerCase();
  const requests: RecordedRequest[] = [];
  const acceptedKeys = new Set<string>();
  let script: ScriptedResponse[] = [];
  let decide: ((req: RecordedRequest) => ScriptedResponse | null) | null = null;
  let waiters: Array<{ n: number; resolve: () => void }> = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://receiver.local');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const rec: RecordedRequest = {
      seq: requests.length,
      method: req.method ?? '',
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      json,
      key: headers[keyHeader] ?? null,
      status: 0,
      duplicate: false,
      receivedAt: Date.now(),
    };
    const scripted = decide ? decide(rec) : (script.shift() ?? null);
    const answer: ScriptedResponse = scripted ?? { status: 200, body: opts.successBody ?? 'ok' };
    if (answer.status >= 200 && answer.status < 300 && opts.dropRepeatedKeys && rec.key !== null) {
      if (acceptedKeys.has(rec.key)) rec.duplicate = true;
      else acceptedKeys.add(rec.key);
    }
    rec.status = answer.status;
    requests.push(rec);
    waiters = waiters.filter((w) => (requests.length >= w.n ? (w.resolve(), false) : true));
    const delay = answer.delayMs ?? opts.delayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...(answer.headers ?? {}) });
    res.end(answer.body ?? '');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300 && !r.duplicate),
    respond: (...responses) => {
      script.push(...responses);
    },
    respondWith: (fn) => {
      decide = fn;
    },
    waitFor: (n, timeoutMs = 10_000) =>
      requests.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`receiver got ${requests.length} of ${n} requests within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({
              n,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
    reset: () => {
      requests.length = 0;
      acceptedKeys.clear();
      script = [];
      decide = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
