// A binary min-heap of scheduled instants. Entries are never removed from the middle:
// the owner marks them stale (a generation number) and skips them when they surface,
// and compacts the heap when stale entries pile up.

export interface Scheduled {
  at: number;
}

export class InstantHeap<T extends Scheduled> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent].at <= item.at) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r].at < a[l].at ? r : l;
        if (a[c].at >= last.at) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }

  /** Keeps only the entries `keep` accepts (rebuilds the heap in linear time). */
  filter(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.items = [];
    kept.sort((x, y) => x.at - y.at);
    // A sorted array is a valid heap.
    this.items = kept;
  }

  clear(): void {
    this.items = [];
  }
}
