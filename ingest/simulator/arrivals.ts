// Ticket arrival processes: non-homogeneous Poisson streams sampled by thinning.
// Each stream owns its random generator, so adding an incident does not change when
// ordinary tickets arrive.
import { REGIONS, type Region } from './catalogue.ts';
import { Rng } from './random.ts';
import { DAILY_MAX, HOUR_MS, WEEKLY_MAX, regionWeights } from './rhythm.ts';

export interface Arrival {
  timeMs: number;
  /** 0 = ordinary traffic, 1 = incident burst. */
  stream: 0 | 1;
  /** Position within its stream; seeds the ticket's own generator. */
  index: number;
  /** Region drawn by the ordinary stream (null for the incident stream). */
  region: Region | null;
}

export interface ArrivalStream {
  /** The next arrival, or null when the stream has ended. */
  next(): Arrival | null;
  /** Expected tickets per hour at an instant. */
  rate(ms: number): number;
}

/** Ordinary traffic: each region follows its own local daily and weekly rhythm. */
export class RhythmArrivals implements ArrivalStream {
  private readonly rng: Rng;
  private readonly maxIntensity = DAILY_MAX * WEEKLY_MAX;
  private readonly meanGapMs: number;
  private readonly weights: number[] = new Array<number>(REGIONS.length).fill(0);
  private t: number;
  private index = 0;

  constructor(
    seed: number,
    startMs: number,
    private readonly ticketsPerHour: number,
  ) {
    this.rng = Rng.derive(seed, 'arrivals/rhythm');
    this.t = startMs;
    this.meanGapMs = HOUR_MS / (ticketsPerHour * this.maxIntensity);
  }

  next(): Arrival {
    for (;;) {
      this.t += this.rng.exponential(this.meanGapMs);
      const intensity = regionWeights(this.t, this.weights);
      if (this.rng.next() * this.maxIntensity < intensity) {
        const region = REGIONS[this.rng.weightedIndex(this.weights)];
        return { timeMs: Math.round(this.t), stream: 0, index: this.index++, region };
      }
    }
  }

  rate(ms: number): number {
    return this.ticketsPerHour * regionWeights(ms, new Array<number>(REGIONS.length));
  }
}

/** Fraction of the incident window spent ramping up, and winding down. */
const RAMP_UP = 0.15;
const RAMP_DOWN = 0.25;

/**
 * An incident burst: ramps up quickly, plateaus, tails off (a trapezoid whose mean over
 * the window equals the configured rate), and ends for good at the window's end.
 */
export class IncidentArrivals implements ArrivalStream {
  private readonly rng: Rng;
  private readonly peakPerHour: number;
  private t: number;
  private index = 0;

  constructor(
    seed: number,
    private readonly startMs: number,
    private readonly endMs: number,
    ticketsPerHour: number,
  ) {
    this.rng = Rng.derive(seed, 'arrivals/incident');
    this.t = startMs;
    this.peakPerHour = ticketsPerHour / (1 - (RAMP_UP + RAMP_DOWN) / 2);
  }

  private shape(ms: number): number {
    if (ms < this.startMs || ms >= this.endMs) return 0;
    const x = (ms - this.startMs) / (this.endMs - this.startMs);
    if (x < RAMP_UP) return x / RAMP_UP;
    if (x > 1 - RAMP_DOWN) return (1 - x) / RAMP_DOWN;
    return 1;
  }

  next(): Arrival | null {
    if (this.peakPerHour <= 0) return null;
    const meanGap = HOUR_MS / this.peakPerHour;
    for (;;) {
      this.t += this.rng.exponential(meanGap);
      if (this.t >= this.endMs) return null;
      if (this.rng.next() < this.shape(this.t)) {
        return { timeMs: Math.round(this.t), stream: 1, index: this.index++, region: null };
      }
    }
  }

  rate(ms: number): number {
    return this.peakPerHour * this.shape(ms);
  }
}
