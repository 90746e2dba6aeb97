import { describe, expect, it } from 'vitest';
import {
  fitToBands,
  groupBands,
  groupWeights,
  loadFactor,
  planWeights,
  targetShares,
  type GroupInput,
  type GroupMember,
  type RoutingRules,
  type WeightSnapshot,
} from '../../processors/agents/index.ts';

const RULES: RoutingRules = { floorFactor: 0.25, capFactor: 3, maxStepFactor: 0.5, sharpness: 1, publishEpsilon: 0.0005 };
const member = (agent_id: string, z: number, open = 0, capacity = 10): GroupMember => ({ agent_id, z, score: 0.5, tickets: 10, open_tickets: open, capacity });
const sum = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0);
const DAY = 86_400_000;

/** Runs groupWeights until it stops moving; returns every step. */
function converge(members: GroupMember[], rules: RoutingRules, steps = 50): number[][] {
  const out: number[][] = [];
  let prev: Map<string, number> | undefined;
  for (let i = 0; i < steps; i++) {
    const w = groupWeights(members, prev, rules);
    out.push(w);
    prev = new Map(members.map((m, j) => [m.agent_id, w[j]]));
  }
  return out;
}

describe('routing weights', () => {
  const team = [member('a', 2.5), member('b', 0.5), member('c', 0), member('d', -0.5), member('e', -8)];

  it('sum to 1 per group at every step', () => {
    for (const w of converge(team, RULES)) expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
  });

  it('never go below the floor (1/4 of the uniform share) — a hopeless or new agent still gets work', () => {
    const { floor } = groupBands(5, RULES);
    expect(floor).toBeCloseTo(0.05, 12);
    const steps = converge(team, RULES);
    for (const w of steps) for (const x of w) expect(x).toBeGreaterThanOrEqual(floor - 1e-12);
    expect(steps.at(-1)![4]).toBeCloseTo(floor, 9); // 'e' ends on the floor, not at 0
  });

  it('never exceed the cap (3× the uniform share, at most 1)', () => {
    const rules = { ...RULES, capFactor: 1.5, sharpness: 3 };
    const { cap } = groupBands(5, rules);
    const steps = converge(team, rules);
    for (const w of steps) for (const x of w) expect(x).toBeLessThanOrEqual(cap + 1e-12);
    expect(steps.at(-1)![0]).toBeCloseTo(cap, 9);
    expect(groupBands(1, RULES).cap).toBe(1);
  });

  it('move at most maxStep (½ of the uniform share) per version — no whiplash', () => {
    const { step } = groupBands(5, RULES);
    const steps = converge(team, { ...RULES, sharpness: 4 });
    let prev = [0.2, 0.2, 0.2, 0.2, 0.2];
    let moved = false;
    for (const w of steps) {
      for (let i = 0; i < w.length; i++) {
        expect(Math.abs(w[i] - prev[i])).toBeLessThanOrEqual(step + 1e-12);
        if (Math.abs(w[i] - prev[i]) > step - 1e-9) moved = true;
      }
      prev = w;
    }
    expect(moved).toBe(true); // the limit was actually binding
    // Converged: proportional to exp(4z) within the bands.
    expect(steps.at(-1)![0]).toBeGreaterThan(steps.at(-1)![1]);
  });

  it('weigh load: more open tickets → less weight; a full queue gets only the floor', () => {
    const rules = { ...RULES, maxStepFactor: 100 };
    const w = groupWeights([member('x', 0, 0), member('y', 0, 5), member('z', 0, 10), member('q', 0, 2)], undefined, rules);
    expect(loadFactor(5, 10)).toBe(0.5);
    expect(w[0]).toBeGreaterThan(w[3]);
    expect(w[3]).toBeGreaterThan(w[1]);
    expect(w[2]).toBeCloseTo(groupBands(4, rules).floor, 12);
    expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
    // Everyone full: uniform.
    expect(targetShares([member('x', 1, 10), member('y', -1, 12)], 1)).toEqual([0.5, 0.5]);
  });

  it('fitToBands gives leftover weight to zero-target agents when everyone else is capped', () => {
    const w = fitToBands([1, 0, 0], [0.1, 0.1, 0.1], [0.4, 0.5, 0.5]);
    expect(w[0]).toBeCloseTo(0.4, 12);
    expect(w[1]).toBeCloseTo(0.3, 12);
    expect(w[2]).toBeCloseTo(0.3, 12);
    expect(() => fitToBands([1, 1], [0.6, 0.6], [1, 1])).toThrow(/infeasible/);
  });
});

describe('versioned weight plans', () => {
  const groups = (members: GroupMember[]): GroupInput[] => [{ team: 'tech', skill: 'software_fault', members }];
  const plan = (g: GroupInput[], previous: WeightSnapshot | null, now = 1_000, rules = RULES) =>
    planWeights({ groups: g, previous, rules, now, skillDimension: 'category', tombstoneMs: 7 * DAY });

  it('publishes version 1, then increasing versions only when a weight moves', () => {
    const members = [member('a', 3), member('b', 0), member('c', -3)];
    const p1 = plan(groups(members), null);
    expect(p1.update?.version).toBe(1);
    expect(p1.snapshot!.entries.every((e) => e.changed_in === 1)).toBe(true);
    let snap = p1.snapshot!;
    const versions = [1];
    for (let i = 0; i < 40; i++) {
      const p = plan(groups(members), snap, 2_000 + i);
      if (p.update) {
        expect(p.update.version).toBe(snap.version + 1);
        versions.push(p.update.version);
        // The whole group is republished: its weights sum to 1 only together.
        expect(p.update.changes).toHaveLength(3);
        expect(Math.abs(sum(p.update.changes.map((e) => e.weight)) - 1)).toBeLessThan(1e-12);
      }
      snap = p.snapshot!;
    }
    expect(versions.length).toBeGreaterThan(2);
    // Converged: the next plan changes nothing and keeps the version.
    const still = plan(groups(members), snap, 9_000);
    expect(still.update).toBeNull();
    expect(still.snapshot).toBe(snap);
  });

  it('minNextVersion keeps versions increasing across processes', () => {
    const p = planWeights({ groups: groups([member('a', 0)]), previous: null, rules: RULES, now: 0, skillDimension: 'category', tombstoneMs: DAY, minNextVersion: 42 });
    expect(p.snapshot!.version).toBe(42);
  });

  it('turns a leaving agent into a tombstone, then forgets it after tombstoneDays (resync_below)', () => {
    const p1 = plan(groups([member('a', 0), member('b', 0)]), null, 0);
    const p2 = plan(groups([member('a', 0)]), p1.snapshot, DAY);
    const tomb = p2.snapshot!.entries.find((e) => e.agent_id === 'b')!;
    expect(tomb).toMatchObject({ active: false, weight: 0, previous_weight: 0.5, changed_in: 2 });
    expect(p2.snapshot!.entries.find((e) => e.agent_id === 'a')!.weight).toBe(1);
    expect(p2.update!.changes.map((e) => e.agent_id)).toEqual(['a', 'b']);
    // A later version more than 7 days on drops the tombstone and raises resync_below.
    const p3 = plan(groups([member('a', 0), member('c', 0)]), p2.snapshot, 10 * DAY);
    expect(p3.snapshot!.entries.map((e) => e.agent_id)).toEqual(['a', 'c']);
    expect(p3.snapshot!.resync_below).toBe(2);
  });

  it('a new agent starts near the uniform share, bounded by the step rule', () => {
    const p1 = plan(groups([member('a', 2), member('b', 2), member('c', 2)]), null);
    const p2 = plan(groups([member('a', 2), member('b', 2), member('c', 2), member('new', 0)]), p1.snapshot);
    const w = new Map(p2.snapshot!.entries.map((e) => [e.agent_id, e.weight]));
    const { floor, step } = groupBands(4, RULES);
    expect(w.get('new')!).toBeGreaterThanOrEqual(floor);
    // Start: the uniform share 1/4 renormalised with the others' 1 → 0.2, then one step at most.
    expect(Math.abs(w.get('new')! - 0.2)).toBeLessThanOrEqual(step + 1e-12);
    expect(Math.abs(sum([...w.values()]) - 1)).toBeLessThan(1e-12);
  });
});
