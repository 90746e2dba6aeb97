// Attribute profiles: how a cluster's tickets spread over products, regions, channels,
// batches … and which single attribute value concentrates it. Two kinds of "large share"
// explain nothing: a value common everywhere (email is the main channel of every
// cluster), and an attribute that follows from the text itself (every cluster is ~100%
// one category, because the category was read off the same words). So a concentration
// must stand out against the whole run (lift) and against how concentrated that
// attribute typically is in the other clusters; the biggest excess over that typical
// share wins — a batch at 67% where batches usually reach 15% beats a category at 100%
// where categories always do.

export interface ValueShare {
  value: string;
  count: number;
  /** Share of the cluster's tickets. */
  share: number;
}

/** attribute key → its values in the cluster, most frequent first. */
export type AttributeProfile = Record<string, ValueShare[]>;

export interface Concentration {
  attribute: string;
  value: string;
  /** Share of the cluster's tickets with this value (e.g. 0.82). */
  share: number;
  /** Share of all tickets in the run with it. */
  baseShare: number;
  /** share / baseShare. */
  lift: number;
  /** Median share of the top value of this attribute in the other clusters. */
  typicalShare: number;
}

export interface ProfileOptions {
  /** Values kept per attribute (default 5). */
  topValues?: number;
  /** A concentration needs at least this share of the cluster (default 0.5) … */
  minShare?: number;
  /** … and this many times the value's share of the whole run (default 2). */
  minLift?: number;
  /** … and at least this many tickets (default 3). */
  minCount?: number;
}

type Attrs = Readonly<Record<string, string>> | undefined;

function countValues(rows: readonly Attrs[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const attrs of rows) {
    if (!attrs) continue;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === '' || value === undefined || value === null) continue;
      let m = out.get(key);
      if (!m) out.set(key, (m = new Map()));
      m.set(value, (m.get(value) ?? 0) + 1);
    }
  }
  return out;
}

const byCountThenValue = (a: [string, number], b: [string, number]): number => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Profiles of every cluster plus its concentration. Shares are of all the cluster's
 * tickets, so tickets without an attribute lower its shares rather than being ignored.
 */
export function profileClusters(
  attributes: readonly Attrs[],
  assignments: ArrayLike<number>,
  k: number,
  opts: ProfileOptions = {},
): { profile: AttributeProfile; concentration: Concentration | null }[] {
  const topValues = opts.topValues ?? 5;
  const minShare = opts.minShare ?? 0.5;
  const minLift = opts.minLift ?? 2;
  const minCount = opts.minCount ?? 3;
  const n = attributes.length;
  const overall = countValues(attributes);
  const members: Attrs[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) members[assignments[i]].push(attributes[i]);
  const counts = members.map(countValues);
  // Top-value share of every attribute in every cluster large enough to count.
  const topShares = new Map<string, { cluster: number; share: number }[]>();
  counts.forEach((m, c) => {
    if (members[c].length < minCount) return;
    for (const [key, values] of m) {
      const top = Math.max(...values.values()) / members[c].length;
      let list = topShares.get(key);
      if (!list) topShares.set(key, (list = []));
      list.push({ cluster: c, share: top });
    }
  });
  const overallTop = (key: string): number => Math.max(...overall.get(key)!.values()) / n;
  return members.map((rows, c) => {
    const size = rows.length;
    const profile: AttributeProfile = {};
    let best: Concentration | null = null;
    let bestScore = 0;
    for (const key of [...counts[c].keys()].sort()) {
      const values = [...counts[c].get(key)!].sort(byCountThenValue);
      profile[key] = values.slice(0, topValues).map(([value, count]) => ({ value, count, share: count / size }));
      const others = (topShares.get(key) ?? []).filter((t) => t.cluster !== c).map((t) => t.share);
      const typicalShare = others.length ? median(others) : overallTop(key);
      const [value, count] = values[0];
      const share = count / size;
      const baseShare = overall.get(key)!.get(value)! / n;
      const lift = share / baseShare;
      if (share < minShare || lift < minLift || count < minCount) continue;
      const score = share - typicalShare;
      if (score > bestScore) {
        bestScore = score;
        best = { attribute: key, value, share, baseShare, lift, typicalShare };
      }
    }
    return { profile, concentration: best };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
