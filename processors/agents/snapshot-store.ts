// The in-memory snapshot the API answers from (the RoutingPort implementation).
// Publishing a version builds the indexes and each entry's JSON once; answers are
// assembled from those strings and cached per query until the next version, so a
// request costs a map lookup.
import { createHash } from 'node:crypto';
import { TicketPulseError } from '../../core/errors.ts';
import type { AgentScoresQuery, PreparedResponse, RoutingPort, RoutingWeightsQuery } from '../../core/ports/routing.ts';
import type { RateEstimate } from './shrinkage.ts';
import type { AgentSkillScore, ScoreSnapshot, WeightEntry, WeightSnapshot } from './types.ts';

const MAX_CACHED = 20_000;

interface Indexed {
  snapshot: WeightSnapshot;
  json: Map<WeightEntry, string>;
  bySkill: Map<string, WeightEntry[]>;
  byTeam: Map<string, WeightEntry[]>;
  byTeamSkill: Map<string, WeightEntry[]>;
  byAgent: Map<string, WeightEntry[]>;
}

export class RoutingSnapshotStore implements RoutingPort {
  private indexed: Indexed | null = null;
  private scores: ScoreSnapshot | null = null;
  private scoresByAgent = new Map<string, AgentSkillScore[]>();
  private readonly cache = new Map<string, PreparedResponse>();
  private readonly listeners = new Set<(snapshot: WeightSnapshot) => void>();

  currentVersion(): number {
    return this.indexed?.snapshot.version ?? 0;
  }

  weightSnapshot(): WeightSnapshot | null {
    return this.indexed?.snapshot ?? null;
  }

  scoreSnapshot(): ScoreSnapshot | null {
    return this.scores;
  }

  /** Calls `fn` after every newly published weights version. */
  onPublish(fn: (snapshot: WeightSnapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Installs a weights version; an older or equal version is ignored (returns false). */
  publishWeights(snapshot: WeightSnapshot): boolean {
    if (this.indexed && snapshot.version <= this.indexed.snapshot.version) return false;
    const idx: Indexed = {
      snapshot,
      json: new Map(),
      bySkill: new Map(),
      byTeam: new Map(),
      byTeamSkill: new Map(),
      byAgent: new Map(),
    };
    for (const e of snapshot.entries) {
      idx.json.set(e, JSON.stringify(weightDto(e)));
      push(idx.bySkill, e.skill, e);
      push(idx.byTeam, e.team, e);
      push(idx.byTeamSkill, `${e.team}\u0000${e.skill}`, e);
      push(idx.byAgent, e.agent_id, e);
    }
    this.indexed = idx;
    this.cache.clear();
    for (const fn of this.listeners) fn(snapshot);
    return true;
  }

  publishScores(snapshot: ScoreSnapshot): void {
    const byAgent = new Map<string, AgentSkillScore[]>();
    for (const s of snapshot.scores) push(byAgent, s.agent_id, s);
    for (const list of byAgent.values()) list.sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : a.window_days - b.window_days));
    this.scores = snapshot;
    this.scoresByAgent = byAgent;
    this.cache.clear();
  }

  weights(query: RoutingWeightsQuery): PreparedResponse {
    const key = `w\u0000${query.skill ?? ''}\u0000${query.team ?? ''}\u0000${query.sinceVersion ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const answer = this.buildWeights(query);
    this.remember(key, answer);
    return answer;
  }

  agentScores(agentId: string, query: AgentScoresQuery): PreparedResponse | null {
    const key = `s\u0000${agentId}\u0000${query.windowDays ?? ''}\u0000${query.skill ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const answer = this.buildScores(agentId, query);
    if (answer) this.remember(key, answer);
    return answer;
  }

  private remember(key: string, answer: PreparedResponse): void {
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, answer);
  }

  private buildWeights(q: RoutingWeightsQuery): PreparedResponse {
    const idx = this.indexed;
    const version = idx?.snapshot.version ?? 0;
    let entries: readonly WeightEntry[] = idx?.snapshot.entries ?? [];
    if (idx) {
      if (q.skill !== undefined && !idx.bySkill.has(q.skill)) throw unknown('skill', q.skill, [...idx.bySkill.keys()]);
      if (q.team !== undefined && !idx.byTeam.has(q.team)) throw unknown('team', q.team, [...idx.byTeam.keys()]);
      if (q.skill !== undefined && q.team !== undefined) entries = idx.byTeamSkill.get(`${q.team}\u0000${q.skill}`) ?? [];
      else if (q.skill !== undefined) entries = idx.bySkill.get(q.skill) ?? [];
      else if (q.team !== undefined) entries = idx.byTeam.get(q.team) ?? [];
    }
    let full = true;
    if (q.sinceVersion !== undefined && q.sinceVersion >= (idx?.snapshot.resync_below ?? 0)) {
      const since = q.sinceVersion;
      full = false;
      entries = entries.filter((e) => e.changed_in > since);
    }
    const json = idx?.json;
    const head = {
      version,
      published_at: idx ? iso(idx.snapshot.published_at) : null,
      skill_dimension: idx?.snapshot.skill_dimension ?? this.scores?.skill_dimension ?? '',
      full,
      since_version: q.sinceVersion ?? null,
    };
    const parts: string[] = [];
    for (const e of entries) parts.push(json?.get(e) ?? JSON.stringify(weightDto(e)));
    const body = `${JSON.stringify(head).slice(0, -1)},"weights":[${parts.join(',')}]}`;
    return { etag: etag('w', version, `${q.skill ?? ''}\u0000${q.team ?? ''}\u0000${q.sinceVersion ?? ''}`), body, bytes: Buffer.from(body) };
  }

  private buildScores(agentId: string, q: AgentScoresQuery): PreparedResponse | null {
    const snap = this.scores;
    const all = this.scoresByAgent.get(agentId);
    const weights = this.indexed?.byAgent.get(agentId) ?? [];
    if (!snap || (!all && weights.length === 0)) return null;
    let list = all ?? [];
    if (q.windowDays !== undefined) {
      if (!snap.windows.includes(q.windowDays)) {
        throw new TicketPulseError('bad_request', `window_days must be one of ${snap.windows.join(', ')}, got ${q.windowDays}`, { field: 'window_days' });
      }
      list = list.filter((s) => s.window_days === q.windowDays);
    }
    if (q.skill !== undefined) list = list.filter((s) => s.skill === q.skill);
    const routing = list.find((s) => s.window_days === snap.routing_window_days) ?? list[0];
    const version = this.currentVersion();
    const body = JSON.stringify({
      agent_id: agentId,
      team: weights.find((w) => w.active)?.team ?? routing?.team ?? '',
      computed_at: iso(snap.computed_at),
      version,
      skill_dimension: snap.skill_dimension,
      time_basis: snap.time_basis,
      routing_window_days: snap.routing_window_days,
      scores: list.map(scoreDto),
      weights: weights.filter((w) => q.skill === undefined || w.skill === q.skill).map(weightDto),
    });
    return { etag: etag('s', version, `${snap.computed_at}\u0000${agentId}\u0000${q.windowDays ?? ''}\u0000${q.skill ?? ''}`), body, bytes: Buffer.from(body) };
  }
}

function unknown(field: 'skill' | 'team', value: string, known: string[]): TicketPulseError {
  const list = known.sort().slice(0, 20).join(', ');
  return new TicketPulseError('bad_request', `unknown ${field} ${JSON.stringify(value)}; known: ${list}${known.length > 20 ? ', …' : ''}`, { field });
}

function etag(kind: string, version: number, key: string): string {
  const h = createHash('sha1').update(key).digest('base64url').slice(0, 12);
  return `"${kind}${version}-${h}"`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function weightDto(e: WeightEntry) {
  return {
    team: e.team,
    skill: e.skill,
    agent_id: e.agent_id,
    weight: e.weight,
    previous_weight: e.previous_weight,
    score: round(e.score),
    score_z: round(e.score_z),
    tickets: e.tickets,
    open_tickets: e.open_tickets,
    capacity: e.capacity,
    active: e.active,
    changed_in: e.changed_in,
    changed_at: iso(e.changed_at),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function rateDto(r: RateEstimate) {
  return { k: r.k, n: r.n, raw: r.raw === null ? null : round(r.raw), mean: round(r.mean), lo: round(r.lo), hi: round(r.hi) };
}

export function scoreDto(s: AgentSkillScore) {
  return {
    skill: s.skill,
    team: s.team,
    window_days: s.window_days,
    tickets: s.tickets,
    transfers_out: s.transfers_out,
    csat_mean: s.csat_mean === null ? null : round(s.csat_mean),
    composite: { score: round(s.composite.score), z: round(s.composite.z), lo: round(s.composite.lo), hi: round(s.composite.hi) },
    resolution: rateDto(s.resolution),
    reopen: rateDto(s.reopen),
    csat: rateDto(s.csat),
    sla: s.sla ? rateDto(s.sla) : null,
    first_response: timeDto(s.first_response),
    handle_time: timeDto(s.handle_time),
  };
}

function timeDto(t: AgentSkillScore['first_response']) {
  return { n: t.n, typical_minutes: t.typical_minutes === null ? null : round(t.typical_minutes), ratio: round(t.ratio), lo: round(t.lo), hi: round(t.hi) };
}
