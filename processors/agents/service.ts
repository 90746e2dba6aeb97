// One recompute: metrics (ClickHouse) → scores → routing weights → stored snapshots →
// in-memory snapshot for the API → push feed → coaching insights. Runs one at a time;
// a second call while one runs joins it.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { AgentsConfig } from '../../core/config/agents.ts';
import type { Logger } from '../../core/log.ts';
import { findClearedInsights, findCoachingInsights, type AgentQualityAlert } from './coaching.ts';
import type { RoutingFeed } from './feed/outbox.ts';
import { queryAgentMetrics } from './metrics-query.ts';
import { scoreAgents } from './scoring.ts';
import { probeSlaSource } from './sla-source.ts';
import { RoutingSnapshotStore } from './snapshot-store.ts';
import { latestWeightsVersion, loadLatestScores, loadWeights, syncHistoryTtl, writeScores, writeWeights } from './snapshot-table.ts';
import type { AgentSkillScore, ScoreSnapshot, TimeBasis } from './types.ts';
import { planWeights, type GroupInput } from './weights.ts';

const DAY_MS = 86_400_000;

export type AlertSink = (alert: AgentQualityAlert) => unknown;
/** Auto-resolves the alert of a dedup key; the alerts module's clear() (null = none was open). */
export type ClearSink = (dedupKey: string) => unknown;

export interface AgentsServiceOptions {
  ch: ClickHouse;
  config: AgentsConfig;
  /** The snapshot the API reads; one is created when not given. */
  store?: RoutingSnapshotStore;
  /** Push feed (Kafka / webhook); new versions are queued on it. */
  feed?: RoutingFeed | null;
  /** Receives coaching insights; wire the alerts module's raise() here. */
  onAlert?: AlertSink;
  /**
   * Receives the dedup keys of insights that no longer hold (coaching.ts,
   * findClearedInsights); wire the alerts module's clear() here, next to onAlert.
   */
  onClear?: ClearSink;
  log?: Logger;
  now?: () => number;
}

export interface RecomputeReport {
  computedAt: number;
  /** The weights version being served after the run. */
  version: number;
  /** True when this run published a new version. */
  published: boolean;
  groupsChanged: number;
  changedEntries: number;
  agents: number;
  skills: number;
  scoreRows: number;
  insights: number;
  /** agent_quality alerts resolved because the agent is no longer below the group (onClear returned the alert). */
  cleared: number;
  timeBasis: TimeBasis;
  /** Why business time was not used (no ticket_sla table, …), or null. */
  slaNote: string | null;
  durationMs: number;
  phasesMs: Record<string, number>;
}

export class AgentsService {
  readonly store: RoutingSnapshotStore;
  private readonly ch: ClickHouse;
  private readonly config: AgentsConfig;
  private readonly now: () => number;
  private running: Promise<RecomputeReport> | null = null;
  private readonly raisedAt = new Map<string, number>();
  private initialising: Promise<void> | null = null;

  constructor(private readonly opts: AgentsServiceOptions) {
    this.ch = opts.ch;
    this.config = opts.config;
    this.store = opts.store ?? new RoutingSnapshotStore();
    this.now = opts.now ?? Date.now;
  }

  /** The windows computed: the configured ones plus the routing window. */
  get windows(): number[] {
    return [...new Set([...this.config.windowsDays, this.config.routingWindowDays])].sort((a, b) => a - b);
  }

  /** Loads the latest stored snapshots (so a restart serves and steps from them) and starts the feed. */
  init(): Promise<void> {
    this.initialising ??= this.load().catch((err) => {
      this.initialising = null;
      throw err;
    });
    return this.initialising;
  }

  private async load(): Promise<void> {
    try {
      await syncHistoryTtl(this.ch, this.config.historyDays);
    } catch (err) {
      this.opts.log?.warn({ err }, 'could not apply agents.historyDays to the snapshot tables');
    }
    const weights = await loadWeights(this.ch);
    if (weights) this.store.publishWeights(weights);
    const scores = await loadLatestScores(this.ch, this.windows, this.config.routingWindowDays);
    if (scores) this.store.publishScores(scores);
    await this.opts.feed?.start();
  }

  recompute(opts: { now?: number } = {}): Promise<RecomputeReport> {
    this.running ??= this.run(opts.now ?? this.now()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.opts.feed?.close();
  }

  private async run(now: number): Promise<RecomputeReport> {
    await this.init();
    const cfg = this.config;
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const lap = (name: string, since: number) => {
      phases[name] = Math.round(performance.now() - since);
      return performance.now();
    };
    let t = t0;

    const probe = await probeSlaSource(this.ch);
    const windows = this.windows;
    const { metrics, open } = await queryAgentMetrics(this.ch, {
      skillDimension: cfg.skillDimension,
      caseMix: cfg.caseMix,
      windowsDays: windows,
      openGraceHours: cfg.openGraceHours,
      sla: probe.source,
      now,
    });
    t = lap('query', t);

    const scoring = scoreAgents(metrics, {
      weights: cfg.scoring.weights,
      credibleLevel: cfg.scoring.credibleLevel,
      bounds: {
        min: cfg.scoring.priorStrengthMin,
        max: Math.max(cfg.scoring.priorStrengthMin, cfg.scoring.priorStrengthMax),
        fallback: cfg.scoring.priorStrengthFallback,
        minPopulation: cfg.scoring.minPopulation,
      },
    });
    t = lap('score', t);

    // Another process (the CLI, a second processor) may have published meanwhile.
    const stored = await latestWeightsVersion(this.ch);
    if (stored > this.store.currentVersion()) {
      const latest = await loadWeights(this.ch, stored);
      if (latest) this.store.publishWeights(latest);
    }
    const groups = routingGroups(scoring.scores, open, cfg, now);
    const plan = planWeights({
      groups,
      previous: this.store.weightSnapshot(),
      rules: cfg.routing,
      now,
      skillDimension: cfg.skillDimension,
      tombstoneMs: cfg.routing.tombstoneDays * DAY_MS,
      minNextVersion: stored + 1,
    });
    t = lap('weights', t);

    if (plan.update && plan.snapshot) {
      // Stored before it is served or pushed: a version the feed sends can always be reloaded.
      await writeWeights(this.ch, plan.snapshot);
      this.store.publishWeights(plan.snapshot);
      this.opts.feed?.enqueue(plan.update);
    }
    const timeBasis: TimeBasis = probe.source ? 'business' : 'wall_clock';
    const scoreSnap: ScoreSnapshot = {
      computed_at: now,
      skill_dimension: cfg.skillDimension,
      windows,
      routing_window_days: cfg.routingWindowDays,
      time_basis: timeBasis,
      scores: scoring.scores,
    };
    await writeScores(this.ch, scoreSnap, this.store.currentVersion());
    // The scores served until now (from the last run, or loaded at start-up): agents gone from the window clear.
    const previousScores = this.store.scoreSnapshot()?.scores ?? [];
    this.store.publishScores(scoreSnap);
    t = lap('store', t);

    let insights = 0;
    let cleared = 0;
    if (cfg.coaching.enabled) {
      const coaching = {
        minSamples: cfg.coaching.minSamples,
        margin: cfg.coaching.margin,
        windowDays: cfg.routingWindowDays,
        credibleLevel: cfg.scoring.credibleLevel,
        skillDimension: cfg.skillDimension,
      };
      const found = findCoachingInsights(scoring.scores, scoring.populations, coaching);
      for (const alert of found) {
        const last = this.raisedAt.get(alert.dedup_key);
        if (last !== undefined && now - last < cfg.coaching.cooldownHours * 3_600_000) continue;
        this.raisedAt.set(alert.dedup_key, now);
        insights++;
        try {
          await this.opts.onAlert?.(alert);
        } catch (err) {
          this.opts.log?.warn({ err, key: alert.dedup_key }, 'could not raise the agent_quality alert');
        }
      }
      cleared = await this.clearInsights(findClearedInsights(scoring.scores, scoring.populations, coaching, previousScores));
    }
    lap('coaching', t);

    const agents = new Set(scoring.scores.map((s) => s.agent_id));
    const skills = new Set(scoring.scores.map((s) => s.skill));
    const report: RecomputeReport = {
      computedAt: now,
      version: this.store.currentVersion(),
      published: plan.update !== null,
      groupsChanged: plan.groupsChanged,
      changedEntries: plan.update?.changes.length ?? 0,
      agents: agents.size,
      skills: skills.size,
      scoreRows: scoring.scores.length,
      insights,
      cleared,
      timeBasis,
      slaNote: probe.reason,
      durationMs: Math.round(performance.now() - t0),
      phasesMs: phases,
    };
    this.opts.log?.info(report, 'agent scores recomputed');
    return report;
  }

  /**
   * Clears the insights that no longer hold. Most keys were never raised (or are already
   * resolved), which the alert service answers from memory with null. The first failure
   * ends the pass: the alert service is not answering, and the next run tries again.
   */
  private async clearInsights(keys: readonly string[]): Promise<number> {
    // The episode is over: a new drop below the group is a new insight, raised at once.
    for (const key of keys) this.raisedAt.delete(key);
    const onClear = this.opts.onClear;
    if (!onClear) return 0;
    let cleared = 0;
    for (const [i, key] of keys.entries()) {
      try {
        if ((await onClear(key)) != null) cleared++;
      } catch (err) {
        this.opts.log?.warn({ err, key, skipped: keys.length - i - 1 }, 'could not clear the agent_quality alert; the next run tries again');
        break;
      }
    }
    return cleared;
  }
}

/**
 * The (team, skill) groups to weight: every agent active within `activeDays` belongs
 * to the team of their most recent ticket, and is eligible for every skill that team
 * handled in the routing window — with no tickets yet in a skill, at the population's
 * typical score (z = 0), so new agents get the floor and can prove themselves.
 */
export function routingGroups(scores: readonly AgentSkillScore[], open: ReadonlyMap<string, number>, cfg: AgentsConfig, now: number): GroupInput[] {
  const window = cfg.routingWindowDays;
  const current = new Map<string, { team: string; lastSeen: number }>();
  const teamSkills = new Map<string, Set<string>>();
  const byAgentSkill = new Map<string, AgentSkillScore>();
  for (const s of scores) {
    // Agents without a team cannot be routed to by team; they still get scores.
    if (s.window_days !== window || s.team === '') continue;
    byAgentSkill.set(`${s.agent_id}\u0000${s.skill}`, s);
    let set = teamSkills.get(s.team);
    if (!set) teamSkills.set(s.team, (set = new Set()));
    set.add(s.skill);
    const prev = current.get(s.agent_id);
    if (!prev || s.last_seen_ms > prev.lastSeen) current.set(s.agent_id, { team: s.team, lastSeen: s.last_seen_ms });
  }
  const activeSince = now - cfg.activeDays * DAY_MS;
  const members = new Map<string, string[]>();
  for (const [agent, info] of current) {
    if (info.lastSeen < activeSince) continue;
    let list = members.get(info.team);
    if (!list) members.set(info.team, (list = []));
    list.push(agent);
  }
  const groups: GroupInput[] = [];
  for (const [team, agents] of members) {
    for (const skill of teamSkills.get(team) ?? []) {
      groups.push({
        team,
        skill,
        members: agents.map((agent) => {
          const s = byAgentSkill.get(`${agent}\u0000${skill}`);
          return {
            agent_id: agent,
            z: s?.composite.z ?? 0,
            score: s?.composite.score ?? 0.5,
            tickets: s?.tickets ?? 0,
            open_tickets: open.get(agent) ?? 0,
            capacity: cfg.routing.capacityByAgent[agent] ?? cfg.routing.defaultCapacity,
          };
        }),
      });
    }
  }
  return groups;
}
