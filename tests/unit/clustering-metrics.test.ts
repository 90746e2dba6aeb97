import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, normalizedMutualInfo } from '../../processors/clustering/index.ts';

describe('normalizedMutualInfo (arithmetic normalisation)', () => {
  it('is 1 for the same partition under other names', () => {
    expect(normalizedMutualInfo(['a', 'a', 'b', 'b', 'c'], [2, 2, 0, 0, 1])).toBeCloseTo(1, 12);
  });

  it('matches a hand computation', () => {
    // MI = (2/3) ln 2; H(U) = ln 2; H(V) = ln 3 → NMI = (2/3 ln 2) / ((ln 2 + ln 3) / 2)
    const expected = ((2 / 3) * Math.log(2)) / ((Math.log(2) + Math.log(3)) / 2);
    expect(normalizedMutualInfo([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.5158037, 6);
  });

  it('is 0 for independent partitions', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
  });

  it('rejects inputs of different length', () => {
    expect(() => normalizedMutualInfo([0, 1], [0])).toThrow(RangeError);
  });
});

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under other names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], ['x', 'x', 'y', 'y', 'z'])).toBeCloseTo(1, 12);
  });

  it('matches a hand computation', () => {
    // pairs together in both: 2; rows: 3+3 = 6; cols: 1+1+1 = 3; all pairs 15
    // expected = 6·3/15 = 1.2; max = 4.5 → (2 − 1.2) / (4.5 − 1.2)
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 12);
  });

  it('goes negative for worse-than-chance agreement', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });
});
