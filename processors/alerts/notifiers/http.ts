// The one place that talks HTTP for notifiers: POST with a timeout, read a bounded
// body, and the status-code rules every vendor shares.
import { errorMessage } from '../../../core/errors.ts';
import { parseRetryAfter } from '../backoff.ts';
import type { HttpResponse, OutgoingRequest, SendOutcome } from './types.ts';

export type FetchLike = typeof fetch;

const MAX_BODY = 64 * 1024;

export async function post(req: OutgoingRequest, timeoutMs: number, fetchImpl: FetchLike = fetch): Promise<HttpResponse> {
  const res = await fetchImpl(req.url, {
    method: 'POST',
    headers: { 'user-agent': 'TicketPulse-Alerts/1', ...req.headers },
    body: req.body,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const text = await res.text().catch(() => '');
  return { status: res.status, header: (n) => res.headers.get(n), body: text.length > MAX_BODY ? text.slice(0, MAX_BODY) : text };
}

/** A network failure or timeout: the receiver may be back soon. */
export function networkFailure(err: unknown): SendOutcome {
  const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  return { ok: false, retriable: true, status: 0, retryAfterMs: null, error: timeout ? 'request timed out' : `network error: ${errorMessage(err)}` };
}

/**
 * 2xx delivered; 408, 425, 429 and 5xx are worth retrying (with the receiver's
 * Retry-After when it gives one); any other 4xx will not get better by itself.
 */
export function interpretStatus(res: HttpResponse, nowMs: number, maxRetryAfterMs: number): SendOutcome {
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const retriable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
  const snippet = res.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    ok: false,
    retriable,
    status: res.status,
    retryAfterMs: retriable ? parseRetryAfter(res.header('retry-after'), nowMs, maxRetryAfterMs) : null,
    error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
  };
}

/**
 * DingTalk and WeCom robots answer HTTP 200 with { errcode, errmsg }: errcode 0 is
 * success, `throttled` codes mean "too fast, try in a minute", others are permanent.
 */
export function interpretErrcode(res: HttpResponse, nowMs: number, maxRetryAfterMs: number, throttled: readonly number[], busy: readonly number[]): SendOutcome {
  const http = interpretStatus(res, nowMs, maxRetryAfterMs);
  if (!http.ok) return http;
  let body: { errcode?: unknown; errmsg?: unknown };
  try {
    body = JSON.parse(res.body) as { errcode?: unknown; errmsg?: unknown };
  } catch {
    return { ok: false, retriable: true, status: res.status, retryAfterMs: null, error: `unexpected response (not JSON): ${res.body.slice(0, 120)}` };
  }
  const code = Number(body.errcode);
  if (code === 0) return { ok: true, status: res.status };
  const error = `errcode ${String(body.errcode)}: ${String(body.errmsg ?? '')}`.trim();
  if (throttled.includes(code)) return { ok: false, retriable: true, status: res.status, retryAfterMs: Math.min(60_000, maxRetryAfterMs), error };
  if (busy.includes(code)) return { ok: false, retriable: true, status: res.status, retryAfterMs: null, error };
  return { ok: false, retriable: false, status: res.status, retryAfterMs: null, error };
}
