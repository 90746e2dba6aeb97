// Routing weights per (team, skill): shares of new tickets that sum to 1 over the
// team's eligible agents. The target leans toward better scores and away from full
// queues; the published weight follows the target only as far as the floor, the cap
// and the per-version step allow. A group is republished whole (its weights sum to 1
// only together), and only when a weight moved by more than publishEpsilon.
import type { RoutingUpdate, WeightEntry, WeightSnapshot } from './types.ts';

export interface RoutingRules {
  floorFactor: number;
  capFactor: number;
  maxStepFactor: number;
  sharpness: number;
  publishEpsilon: number;
}

export interface GroupMember {
  agent_id: string;
  /** Composite z (routing window); 0 without data. */
  z: number;
  score: number;
  tickets: number;
  open_tickets: number;
  capacity: number;
}

export interface GroupInput {
  team: string;
  skill: string;
  members: GroupMember[];
}

/** 1 − open / capacity, never negative: a full queue gets no target share. */
export function loadFactor(open: number, capacity: number): number {
  return Math.max(0, 1 - open / Math.max(1, capacity));
}

/** Target shares: exp(sharpness · z) × load factor, normalised; uniform when everyone is full. */
export function targetShares(members: readonly GroupMember[], sharpness: number): number[] {
  const raw = members.map((m) => Math.exp(sharpness * m.z) * loadFactor(m.open_tickets, m.capacity));
  const sum = raw.reduce((s, v) => s + v, 0);
  if (!(sum > 0)) return members.map(() => 1 / members.length);
  return raw.map((v) => v / sum);
}

/**
 * Weights proportional to `target` within per-agent bands [lo, hi] that sum to 1:
 * w_i = clamp(c · t_i, lo_i, hi_i) with c found by bisection. When even c → ∞ leaves
 * weight over (every agent with a target is at its ceiling), the rest goes in equal
 * amounts to the zero-target agents, within their bands. Needs Σlo ≤ 1 ≤ Σhi.
 */
export function fitToBands(target: readonly number[], lo: readonly number[], hi: readonly number[]): number[] {
  const n = target.length;
  const sumLo = lo.reduce((s, v) => s + v, 0);
  const sumHi = hi.reduce((s, v) => s + v, 0);
  if (sumLo > 1 + 1e-9 || sumHi < 1 - 1e-9) throw new RangeError(`fitToBands: infeasible bands (Σlo ${sumLo}, Σhi ${sumHi})`);
  const clampAt = (c: number) => target.map((t, i) => Math.min(hi[i], Math.max(lo[i], c * t)));
  let cHi = 0;
  for (let i = 0; i < n; i++) if (target[i] > 0) cHi = Math.max(cHi, hi[i] / target[i]);
  let w: number[];
  if (sum(clampAt(cHi)) < 1) {
    w = clampAt(cHi);
    const zero = target.map((t) => !(t > 0));
    let mLo = 0;
    let mHi = 1;
    const fill = (m: number) => w.map((v, i) => (zero[i] ? Math.min(hi[i], lo[i] + m) : v));
    for (let it = 0; it < 200; it++) {
      const mid = (mLo + mHi) / 2;
      if (sum(fill(mid)) < 1) mLo = mid;
      else mHi = mid;
    }
    w = fill(mHi);
  } else {
    let cLo = 0;
    for (let it = 0; it < 200; it++) {
      const mid = (cLo + cHi) / 2;
      if (sum(clampAt(mid)) < 1) cLo = mid;
      else cHi = mid;
    }
    w = clampAt(cHi);
  }
  return settleResidual(w, lo, hi);
}

/** Bisection leaves ~1e-15 of error; give it to the agent with the most room so Σ = 1 exactly enough. */
function settleResidual(w: number[], lo: readonly number[], hi: readonly number[]): number[] {
  const r = 1 - sum(w);
  if (r === 0) return w;
  let best = -1;
  let room = -Infinity;
  for (let i = 0; i < w.length; i++) {
    const slack = r > 0 ? hi[i] - w[i] : w[i] - lo[i];
    if (slack > room) {
      room = slack;
      best = i;
    }
  }
  if (best >= 0) w[best] += r;
  return w;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export interface GroupBands {
  floor: number;
  cap: number;
  step: number;
}

export function groupBands(n: number, rules: RoutingRules): GroupBands {
  const uniform = 1 / n;
  return { floor: rules.floorFactor * uniform, cap: Math.min(1, rules.capFactor * uniform), step: rules.maxStepFactor * uniform };
}

/**
 * New weights for one group. `previous` maps agent → last published weight (absent
 * for new members, who start from the uniform share); the starting point is
 * renormalised over today's members and fitted into [floor, cap] first, so joins and
 * leaves do not break the step rule for everyone else.
 */
export function groupWeights(members: readonly GroupMember[], previous: ReadonlyMap<string, number> | undefined, rules: RoutingRules): number[] {
  const n = members.length;
  if (n === 0) return [];
  const { floor, cap, step } = groupBands(n, rules);
  const floors = members.map(() => floor);
  const caps = members.map(() => cap);
  const start = members.map((m) => previous?.get(m.agent_id) ?? 1 / n);
  const startSum = sum(start);
  const base = fitToBands(
    start.map((v) => v / startSum),
    floors,
    caps,
  );
  const lo = base.map((b) => Math.max(floor, b - step));
  const hi = base.map((b) => Math.min(cap, b + step));
  return fitToBands(targetShares(members, rules.sharpness), lo, hi);
}

export interface PlanInput {
  groups: readonly GroupInput[];
  previous: WeightSnapshot | null;
  rules: RoutingRules;
  now: number;
  skillDimension: string;
  /** Tombstones older than this are dropped when the next version is published. */
  tombstoneMs: number;
  /** Lowest version the next publication may take (e.g. max(version) in ClickHouse + 1). */
  minNextVersion?: number;
}

export interface WeightPlan {
  /** The snapshot to serve: a new version, or the previous one unchanged. */
  snapshot: WeightSnapshot | null;
  /** Set when a new version was published. */
  update: RoutingUpdate | null;
  groupsChanged: number;
}

const groupKey = (team: string, skill: string) => `${team}\u0000${skill}`;

export function planWeights(input: PlanInput): WeightPlan {
  const { previous, rules, now } = input;
  const version = Math.max((previous?.version ?? 0) + 1, input.minNextVersion ?? 0);
  const prevGroups = new Map<string, WeightEntry[]>();
  for (const e of previous?.entries ?? []) {
    const k = groupKey(e.team, e.skill);
    let g = prevGroups.get(k);
    if (!g) prevGroups.set(k, (g = []));
    g.push(e);
  }

  const next: WeightEntry[] = [];
  const changes: WeightEntry[] = [];
  let groupsChanged = 0;
  const seen = new Set<string>();
  for (const group of input.groups) {
    const k = groupKey(group.team, group.skill);
    seen.add(k);
    const prevEntries = prevGroups.get(k) ?? [];
    const prevActive = new Map(prevEntries.filter((e) => e.active).map((e) => [e.agent_id, e.weight] as const));
    const members = [...group.members].sort((a, b) => (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0));
    const weights = groupWeights(members, prevActive, rules);
    const memberIds = new Set(members.map((m) => m.agent_id));
    const sameMembers = members.length === prevActive.size && members.every((m) => prevActive.has(m.agent_id));
    const moved = members.some((m, i) => Math.abs(weights[i] - (prevActive.get(m.agent_id) ?? 0)) > rules.publishEpsilon);
    if (sameMembers && !moved) {
      next.push(...prevEntries);
      continue;
    }
    groupsChanged++;
    members.forEach((m, i) => {
      const entry: WeightEntry = {
        team: group.team,
        skill: group.skill,
        agent_id: m.agent_id,
        weight: weights[i],
        previous_weight: prevActive.get(m.agent_id) ?? 0,
        score: m.score,
        score_z: m.z,
        tickets: m.tickets,
        open_tickets: m.open_tickets,
        capacity: m.capacity,
        active: true,
        changed_in: version,
        changed_at: now,
      };
      next.push(entry);
      changes.push(entry);
    });
    for (const e of prevEntries) {
      if (memberIds.has(e.agent_id)) continue;
      if (e.active) {
        const tomb = tombstone(e, version, now);
        next.push(tomb);
        changes.push(tomb);
      } else {
        next.push(e);
      }
    }
  }
  // Groups that vanished (the team no longer sees the skill): every member leaves.
  for (const [k, prevEntries] of prevGroups) {
    if (seen.has(k)) continue;
    const active = prevEntries.filter((e) => e.active);
    if (active.length > 0) groupsChanged++;
    for (const e of prevEntries) {
      const out = e.active ? tombstone(e, version, now) : e;
      next.push(out);
      if (e.active) changes.push(out);
    }
  }

  if (changes.length === 0) return { snapshot: previous, update: null, groupsChanged: 0 };

  let resyncBelow = previous?.resync_below ?? 0;
  const kept = next.filter((e) => {
    if (e.active || now - e.changed_at <= input.tombstoneMs) return true;
    resyncBelow = Math.max(resyncBelow, e.changed_in);
    return false;
  });
  kept.sort(compareEntries);
  changes.sort(compareEntries);
  const snapshot: WeightSnapshot = {
    version,
    published_at: now,
    skill_dimension: input.skillDimension,
    resync_below: resyncBelow,
    entries: kept,
  };
  return {
    snapshot,
    update: { version, previous_version: previous?.version ?? 0, published_at: now, skill_dimension: input.skillDimension, changes },
    groupsChanged,
  };
}

function tombstone(e: WeightEntry, version: number, now: number): WeightEntry {
  return { ...e, weight: 0, previous_weight: e.weight, active: false, open_tickets: 0, changed_in: version, changed_at: now };
}

export function compareEntries(a: WeightEntry, b: WeightEntry): number {
  if (a.team !== b.team) return a.team < b.team ? -1 : 1;
  if (a.skill !== b.skill) return a.skill < b.skill ? -1 : 1;
  return a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0;
}
