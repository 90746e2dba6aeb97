// What the SLA engine needs from the alerts module: raise an alert (deduplicated by
// its key while open) and clear one whose condition is gone. The alert service
// (processors/alerts, createAlertService) satisfies it as it is.
import type { AlertInput } from '../alerts/index.ts';

export type { AlertInput };

export interface SlaAlertSink {
  raise(input: AlertInput): Promise<unknown>;
  clear(dedupKey: string): Promise<unknown>;
}

export interface RecordedRaise {
  input: AlertInput;
  /** Epoch ms at which raise() was called. */
  at: number;
}

export interface RecordingAlertSink extends SlaAlertSink {
  readonly raised: RecordedRaise[];
  readonly cleared: Array<{ dedupKey: string; at: number }>;
  /** Resolves with the first raise matching `pred` (immediately if one was recorded already). */
  waitFor(pred: (r: RecordedRaise) => boolean, timeoutMs?: number): Promise<RecordedRaise>;
}

/** Keeps every call in memory: for tests, benchmarks and dry runs (no alerts module). */
export function recordingAlertSink(now: () => number = Date.now): RecordingAlertSink {
  const raised: RecordedRaise[] = [];
  const cleared: Array<{ dedupKey: string; at: number }> = [];
  const waiters: Array<{ pred: (r: RecordedRaise) => boolean; resolve: (r: RecordedRaise) => void }> = [];
  return {
    raised,
    cleared,
    async raise(input) {
      const r = { input, at: now() };
      raised.push(r);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].pred(r)) {
          waiters[i].resolve(r);
          waiters.splice(i, 1);
        }
      }
    },
    async clear(dedupKey) {
      cleared.push({ dedupKey, at: now() });
    },
    waitFor(pred, timeoutMs = 10_000) {
      const found = raised.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching alert within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
  };
}
