// Periodic progress lines for long work (simulate, backfill, benchmarks):
// count, rate and, when the total is known, percentage and ETA.

export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  intervalMs?: number;
  write?: (line: string) => void;
  now?: () => number;
}

export class Progress {
  private done = 0;
  private lastAt: number;
  private lastDone = 0;
  private readonly started: number;
  private readonly now: () => number;
  private readonly write: (line: string) => void;
  private readonly intervalMs: number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.write = opts.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.intervalMs = opts.intervalMs ?? 2_000;
    this.started = this.now();
    this.lastAt = this.started;
  }

  /** Adds to the count; prints a line when the interval has passed. */
  tick(n = 1): void {
    this.done += n;
    const t = this.now();
    if (t - this.lastAt >= this.intervalMs) this.print(t);
  }

  finish(): string {
    const t = this.now();
    const secs = Math.max((t - this.started) / 1000, 1e-9);
    const line = `${this.opts.label}: done ${fmt(this.done)} ${this.opts.unit ?? 'items'} in ${secs.toFixed(1)} s (${fmt(this.done / secs)}/s)`;
    this.write(line);
    return line;
  }

  private print(t: number): void {
    const rate = ((this.done - this.lastDone) * 1000) / Math.max(t - this.lastAt, 1);
    const overall = (this.done * 1000) / Math.max(t - this.started, 1);
    let line = `${this.opts.label}: ${fmt(this.done)}`;
    if (this.opts.total) {
      const pct = (100 * this.done) / this.opts.total;
      const eta = overall > 0 ? (this.opts.total - this.done) / overall : Infinity;
      line += `/${fmt(this.opts.total)} (${pct.toFixed(1)}%)`;
      line += ` ${fmt(rate)} ${this.opts.unit ?? 'items'}/s, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}`;
    } else {
      line += ` ${this.opts.unit ?? 'items'}, ${fmt(rate)}/s`;
    }
    this.write(line);
    this.lastAt = t;
    this.lastDone = this.done;
  }
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
