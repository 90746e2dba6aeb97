// Per-channel rate limit as a sliding window: at most `maxMessages` requests in any
// `windowMs`. A token bucket would allow a full burst plus its refill inside one
// window; a chat room that asked for "20 a minute" should never see 21.

export class SlidingWindowLimiter {
  private readonly sent: number[] = [];

  constructor(
    readonly maxMessages: number,
    readonly windowMs: number,
  ) {}

  /** Requests that may be made at `nowMs` without exceeding the limit. */
  available(nowMs: number): number {
    this.expire(nowMs);
    return Math.max(0, this.maxMessages - this.sent.length);
  }

  record(nowMs: number): void {
    this.sent.push(nowMs);
  }

  /** When the next slot opens (nowMs if one is free). */
  nextSlotAt(nowMs: number): number {
    this.expire(nowMs);
    if (this.sent.length < this.maxMessages) return nowMs;
    return this.sent[this.sent.length - this.maxMessages] + this.windowMs;
  }

  private expire(nowMs: number): void {
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop] <= nowMs - this.windowMs) drop++;
    if (drop > 0) this.sent.splice(0, drop);
  }
}
