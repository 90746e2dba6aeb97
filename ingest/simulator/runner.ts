// Drives a simulation against the wall clock and feeds a sink.
//
// Simulated time starts at the simulation's start and advances at `speed`× wall-clock
// time, but never past the wall clock: no event is ever in the future. A start in the
// past is therefore replayed at speed and then continues in real time. `catchUpTo`
// replays a stretch of history unpaced first (e.g. the last 24 h, instantly).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Simulation } from './generator.ts';
import type { EventSink } from './sinks.ts';
import { malformedLine } from './malformed.ts';
import { Rng } from './random.ts';

export interface RunOptions {
  simulation: Simulation;
  sink: EventSink;
  /** Simulated ms per wall-clock ms (default 1); Infinity = as fast as possible. */
  speed?: number;
  signal?: AbortSignal;
  /** Lines per sink call (default 1000). */
  batchSize?: number;
  /** Stop once simulated time reaches this instant. */
  until?: number | Date;
  /** Replay unpaced up to this simulated instant, then pace at `speed` from there. */
  catchUpTo?: number | Date;
  /** Wall clock (default Date.now); injectable for tests. */
  nowFn?: () => number;
  /** Wall-clock ms between pulls when paced (default 200). */
  tickMs?: number;
  /** Fraction of lines replaced by malformed input (default: the simulation's invalidRate). */
  invalidRate?: number;
  onProgress?: (totals: RunTotals) => void;
  /** Minimum wall-clock ms between onProgress calls (default 250; the final call always happens). */
  progressIntervalMs?: number;
}

export interface RunTotals {
  /** Well-formed events sent. */
  events: number;
  /** Malformed lines sent (each replaced a well-formed event). */
  invalid: number;
  batches: number;
  /** Simulated instant (epoch ms) up to which everything due has been sent. */
  simulatedUntil: number;
}

const toMs = (v: number | Date | undefined, fallback: number) => (v === undefined ? fallback : typeof v === 'number' ? v : v.getTime());

export async function runSimulation(opts: RunOptions): Promise<RunTotals> {
  const { simulation, sink, signal } = opts;
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError('speed must be > 0 (Infinity for as fast as possible)');
  const now = opts.nowFn ?? Date.now;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 1000));
  const tickMs = Math.max(1, opts.tickMs ?? 200);
  const until = toMs(opts.until, Number.POSITIVE_INFINITY);
  const catchUpTo = toMs(opts.catchUpTo, Number.NEGATIVE_INFINITY);
  const invalidRate = opts.invalidRate ?? simulation.invalidRate;
  if (!(invalidRate >= 0 && invalidRate <= 1)) throw new RangeError('invalidRate must be within [0, 1]');
  // Its own stream: whether a line is corrupted depends only on the seed and its position.
  const corruptRng = Rng.derive(simulation.seed, 'runner/malformed');
  const progressEvery = opts.progressIntervalMs ?? 250;

  const totals: RunTotals = { events: 0, invalid: 0, batches: 0, simulatedUntil: simulation.startMs };
  let lastProgress = Number.NEGATIVE_INFINITY;
  const progress = (force: boolean) => {
    if (!opts.onProgress) return;
    const t = performance.now();
    if (!force && t - lastProgress < progressEvery) return;
    lastProgress = t;
    opts.onProgress({ ...totals });
  };

  let lines: string[] = [];
  let keys: (string | null)[] = [];
  const flush = async () => {
    if (lines.length === 0) return;
    const batch = { lines, keys };
    lines = [];
    keys = [];
    await sink.send(batch);
    totals.batches++;
    progress(false);
    // Let timers and I/O run (an abort, for one) even when the sink resolves at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  let simNow = simulation.startMs;
  let anchorWall = now();
  let anchorSim = simNow;
  let paced = simNow >= catchUpTo;

  while (!signal?.aborted && simNow < until) {
    const wall = now();
    let target: number;
    if (!paced) target = catchUpTo;
    else if (speed === Number.POSITIVE_INFINITY) target = Number.POSITIVE_INFINITY;
    else target = anchorSim + (wall - anchorWall) * speed;
    target = Math.min(target, until, wall);

    let stoppedEarly = false;
    if (target > simNow) {
      for (const ev of simulation.events(target)) {
        if (invalidRate > 0 && corruptRng.next() < invalidRate) {
          lines.push(malformedLine(ev, corruptRng).line);
          keys.push(null);
          totals.invalid++;
        } else {
          lines.push(JSON.stringify(ev));
          keys.push(ev.ticket_id);
          totals.events++;
        }
        if (lines.length >= batchSize) {
          totals.simulatedUntil = Date.parse(ev.occurred_at);
          await flush();
          if (signal?.aborted) {
            stoppedEarly = true;
            break;
          }
        }
      }
      await flush();
      if (stoppedEarly) break;
      simNow = target;
      totals.simulatedUntil = simNow;
    }

    if (!paced && simNow >= catchUpTo) {
      paced = true;
      anchorWall = now();
      anchorSim = simNow;
      continue;
    }
    // Unpaced work that was not held back by the wall clock goes straight on.
    if (!paced && target < wall) continue;
    progress(false);
    if (simNow >= until || signal?.aborted) break;
    try {
      await sleep(tickMs, undefined, { signal });
    } catch {
      break;
    }
  }
  progress(true);
  return totals;
}
