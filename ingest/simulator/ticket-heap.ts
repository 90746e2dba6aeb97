// Min-heap of in-flight tickets keyed by (next event time, ticket sequence). One entry
// per ticket rather than per event keeps the heap small (open tickets, not events) and
// yields a total order (time, seq, index within ticket) that never depends on timing.
// Keys live in typed arrays beside the items: comparisons then read contiguous memory
// instead of chasing each ticket's arrays, which matters with tens of thousands open.
import type { TicketRecord } from './ticket-record.ts';

type TicketCursor = Pick<TicketRecord, 'seq' | 'times' | 'cursor'>;

export class TicketHeap<T extends TicketCursor = TicketRecord> {
  private items: T[] = [];
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Time of the earliest pending event, or +Infinity. */
  peekTime(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.times[0];
  }

  push(item: T): void {
    if (this.n === this.times.length) this.grow();
    const t = item.times[item.cursor];
    const s = item.seq;
    const { items, times, seqs } = this;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p];
      if (tp < t || (tp === t && seqs[p] < s)) break;
      items[i] = items[p];
      times[i] = tp;
      seqs[i] = seqs[p];
      i = p;
    }
    items[i] = item;
    times[i] = t;
    seqs[i] = s;
  }

  /**
   * Advances the top ticket past its next event and restores the heap; returns the
   * ticket, whose due event is at position `cursor - 1`.
   */
  popTicket(): T {
    const top = this.items[0];
    top.cursor++;
    if (top.cursor < top.times.length) {
      this.siftDown(top, top.times[top.cursor], top.seq);
    } else {
      const last = --this.n;
      const moved = this.items[last];
      this.items[last] = undefined as unknown as T;
      if (last > 0) this.siftDown(moved, this.times[last], this.seqs[last]);
    }
    return top;
  }

  private siftDown(item: T, t: number, s: number): void {
    const { items, times, seqs, n } = this;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (times[r] < times[c] || (times[r] === times[c] && seqs[r] < seqs[c]))) c = r;
      const tc = times[c];
      if (t < tc || (t === tc && s < seqs[c])) break;
      items[i] = items[c];
      times[i] = tc;
      seqs[i] = seqs[c];
      i = c;
    }
    items[i] = item;
    times[i] = t;
    seqs[i] = s;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}
