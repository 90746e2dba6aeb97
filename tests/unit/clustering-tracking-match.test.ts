// Cluster identity when a cluster splits: with kNN smoothing the clustering separates an
// incident's tickets from the everyday complaints that use the same words sooner, so an
// alerted cluster can split into "the incident" and "the rest". The open alert must
// follow the incident (its cause), not the larger share of the old wording.
import { describe, expect, it } from 'vitest';
import { matchClusters } from '../../processors/root-cause/index.ts';

const terms = (...keys: string[]) => keys.map((key) => ({ key, term: key, weight: 1 }));
const batch = { attribute: 'product_batch', value: 'B-2311', share: 0.9, baseShare: 0.02 };

describe('matchClusters when an alerted cluster splits', () => {
  const previous = [{ termCentroid: terms('broken', 'arrived', 'number', 'pump'), alerted: true, concentration: batch }];
  // The everyday part keeps most of the wording (cosine 0.89); the incident part shares
  // less of it (0.45, under the 0.5 threshold) but is concentrated on the same batch.
  const everyday = { termCentroid: terms('broken', 'arrived', 'number', 'pump', 'leak'), concentration: null };
  const incident = { termCentroid: terms('arrived', 'broken', 'batch', 'b2311', 'half'), concentration: batch };

  it('gives the alerted id to the part with the same cause', () => {
    const m = matchClusters(previous, [everyday, incident], 0.5);
    expect(m.get(1)).toBe(0);
    expect(m.has(0)).toBe(false);
  });

  it('matches by wording alone when no alert is open', () => {
    const m = matchClusters([{ ...previous[0], alerted: false }], [everyday, incident], 0.5);
    expect(m.get(0)).toBe(0);
    expect(m.has(1)).toBe(false);
  });

  it('still needs half the threshold for a same-cause match', () => {
    const far = { termCentroid: terms('melted', 'tube', 'batch', 'b2311'), concentration: batch };
    const m = matchClusters(previous, [everyday, far], 0.5);
    expect(m.get(0)).toBe(0);
    expect(m.has(1)).toBe(false);
  });
});
