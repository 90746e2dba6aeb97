// One ticket's whole life, generated at creation from the ticket's own random stream.
// Because a ticket depends only on (seed, its arrival), the event stream is the same
// however the caller slices simulated time.
import type { EventType } from '../../core/events/schema.ts';
import {
  APP_VERSIONS,
  CATEGORIES,
  CATEGORY_TEAMS,
  PRIORITIES,
  REGION_CURRENCY,
  type Category,
  type Channel,
  type Language,
  type Priority,
  type Product,
  type Region,
  type Status,
  type Team,
} from './catalogue.ts';
import type { Agent, Customer } from './organisation.ts';
import type { Rng } from './random.ts';
import { MINUTE_MS, HOUR_MS } from './rhythm.ts';
import { pack, type TicketRecord } from './ticket-record.ts';
import { CHANNEL_TIMING, agentActionTime, customerActionTime, type DelayContext } from './timing.ts';
import { renderAgentReply, renderCustomerReply, renderOpening, renderReopenReply, type TextVars } from './texts.ts';

/** Everything the arrival process decided about a ticket before its life starts. */
export interface TicketSpec {
  seq: number;
  id: string;
  eventIdPrefix: string;
  createdMs: number;
  rng: Rng;
  tenant: string;
  customer: Customer;
  channel: Channel;
  category: Category;
  product: Product;
  batch: string | null;
  language: Language;
  priority: Priority;
  /** Index into the product kind's defect phrases. */
  defect: number;
  incident: boolean;
  vars: TextVars;
}

/** Agent lookup the lifecycle needs; built once per simulation. */
export interface Staffing {
  /** Agents of a tenant in a team (may be empty). */
  team(tenant: string, team: Team): readonly Agent[];
  /** All agents of a tenant (never empty). */
  all(tenant: string): readonly Agent[];
  hasTeam(tenant: string, team: Team): boolean;
  /** Position in organisation.agents (what events are packed with). */
  indexOf(agent: Agent): number;
}

const VIP_CARE_SHARE = 0.85;
const MISROUTE_RATE = 0.05;
const ZH_AGENT_PREFERENCE = 0.9;
const PENDING_RATE = 0.45;
const ON_HOLD_RATE = 0.08;
const PRIORITY_CHANGE_RATE = 0.07;
const UPDATE_RATE = 0.08;
/** Share of updates to 'general' tickets that file them under a real category. */
const GENERAL_RECATEGORISE_SHARE = 0.8;
const MAX_REOPENS = 2;
const TAGS = ['follow-up', 'repeat-contact', 'gift-order', 'social-escalation', 'influencer', 'complaint'];
const HOLD_REASONS = ['waiting_for_warehouse', 'waiting_for_courier', 'waiting_for_engineering', 'waiting_for_payment_provider'];

const sq = (x: number) => x * x;

class TicketBuilder implements DelayContext {
  readonly rng: Rng;
  readonly channel: Channel;
  readonly region: Region;
  readonly vip: boolean;
  priority: Priority;
  category: Category;
  team: Team | null = null;
  agent: Agent | null = null;
  agentIndex = -1;
  status: Status = 'new';
  readonly record: TicketRecord;
  private sorted = true;

  constructor(
    readonly spec: TicketSpec,
    private readonly staffing: Staffing,
  ) {
    this.rng = spec.rng;
    this.channel = spec.channel;
    this.region = spec.customer.region;
    this.vip = spec.customer.tier === 'vip';
    this.priority = spec.priority;
    this.category = spec.category;
    this.record = {
      seq: spec.seq,
      id: spec.id,
      eventIdPrefix: spec.eventIdPrefix,
      tenant: spec.tenant,
      channel: spec.channel,
      customerId: spec.customer.id,
      tier: spec.customer.tier,
      product: spec.product.name,
      region: spec.customer.region,
      language: spec.language,
      batch: spec.batch,
      appVersion: spec.batch === null && spec.product.kind === 'digital' ? spec.vars.version : null,
      times: [],
      codes: [],
      extras: [],
      ids: null,
      cursor: 0,
    };
  }

  setAgent(agent: Agent): void {
    this.agent = agent;
    this.agentIndex = this.staffing.indexOf(agent);
  }

  skill(): number {
    return this.agent ? this.agent.trueSkill[this.category] : 0.5;
  }

  emit(type: EventType, t: number, attrs: Record<string, string> | null = null, body?: string, subject?: string, csat?: number): void {
    const ms = Math.round(t);
    const r = this.record;
    const n = r.times.length;
    if (n > 0 && ms < r.times[n - 1]) this.sorted = false;
    r.times.push(ms);
    r.codes.push(pack(type, this.status, this.priority, this.category, this.team, this.agentIndex));
    if (attrs === null && subject === undefined && csat === undefined) r.extras.push(body ?? null);
    else r.extras.push({ attrs, body, subject, csat });
  }

  routeTeam(): Team {
    const tenant = this.spec.tenant;
    if (this.vip && this.staffing.hasTeam(tenant, 'vip-care') && this.rng.chance(VIP_CARE_SHARE)) return 'vip-care';
    const options = CATEGORY_TEAMS[this.category];
    return options[this.rng.weightedIndex(options.map((o) => o[1]))][0];
  }

  /** Skill-weighted with a floor, so weak agents still get work and learners see them. */
  chooseAgent(team: Team, exclude: Agent | null): Agent {
    const tenant = this.spec.tenant;
    let pool = this.staffing.team(tenant, team);
    if (pool.length === 0) pool = this.staffing.all(tenant);
    if (exclude !== null && pool.length > 1) pool = pool.filter((a) => a !== exclude);
    if (this.spec.language === 'zh' && this.rng.chance(ZH_AGENT_PREFERENCE)) {
      const speakers = pool.filter((a) => a.languages.includes('zh'));
      if (speakers.length > 0) pool = speakers;
    }
    const weights = pool.map((a) => 0.4 + sq(a.trueSkill[this.category]));
    return pool[this.rng.weightedIndex(weights)];
  }

  transfer(t: number, toTeam: Team, reason: string): void {
    const from = this.agent;
    const fromTeam = this.team;
    this.team = this.staffing.team(this.spec.tenant, toTeam).length > 0 ? toTeam : (from?.team ?? toTeam);
    this.setAgent(this.chooseAgent(this.team, from));
    this.emit('transferred', t, {
      from_agent: from?.id ?? '',
      from_team: fromTeam ?? '',
      reason,
    });
  }

  agentReply(t: number): void {
    this.emit('agent_replied', t, null, renderAgentReply(this.spec.language, this.spec.vars, this.rng));
  }

  customerReply(t: number, reopen = false): void {
    const { language, vars } = this.spec;
    const body = reopen ? renderReopenReply(language, vars, this.rng) : renderCustomerReply(language, vars, this.rng);
    this.emit('customer_replied', t, null, body);
  }

  setStatus(t: number, status: Status, reason: string): void {
    const from = this.status;
    this.status = status;
    this.emit('status_changed', t, { from_status: from, reason });
  }

  build(): TicketRecord {
    const { rng, spec } = this;
    const timing = CHANNEL_TIMING[this.channel];
    const { language, vars } = spec;
    const incidentWording = spec.incident && spec.category === 'product_defect';
    let t = spec.createdMs;
    const opening = renderOpening(language, this.category, vars, rng, incidentWording);
    this.emit('created', t, null, opening.body, opening.subject);

    const rightTeam = this.routeTeam();
    const misrouted = rightTeam !== 'vip-care' && rng.chance(MISROUTE_RATE);
    const firstTeam = misrouted ? rng.pick(['billing', 'tech-support', 'orders'].filter((x) => x !== rightTeam) as Team[]) : rightTeam;
    t = agentActionTime(this, t, timing.assign, 0.6);
    this.team = this.staffing.team(spec.tenant, firstTeam).length > 0 ? firstTeam : this.staffing.all(spec.tenant)[0].team;
    this.setAgent(this.chooseAgent(this.team, null));
    this.status = 'open';
    this.emit('assigned', t, { routing: misrouted ? 'rules' : 'skill' });

    // Optional early edits, before the first reply would normally come; emitted in time
    // order so every row shows the state at its instant.
    const editWindow = timing.firstReply * MINUTE_MS;
    const edits: Array<{ at: number; apply: (at: number) => void }> = [];
    if (rng.chance(UPDATE_RATE)) {
      const recategorise = this.category === 'general' && rng.chance(GENERAL_RECATEGORISE_SHARE);
      const to = recategorise ? rng.pick(CATEGORIES.filter((c) => c !== 'general')) : this.category;
      const tag = rng.pick(TAGS);
      edits.push({
        at: t + rng.uniform(0.1, 0.8) * editWindow,
        apply: (at) => {
          if (recategorise) {
            const from = this.category;
            this.category = to;
            this.emit('updated', at, { changed: 'category', previous_category: from });
          } else {
            this.emit('updated', at, { changed: 'tags', tags: tag });
          }
        },
      });
    }
    if (rng.chance(PRIORITY_CHANGE_RATE)) {
      const i = PRIORITIES.indexOf(this.priority);
      const j = i === PRIORITIES.length - 1 || (i > 0 && rng.chance(0.3)) ? i - 1 : i + 1;
      edits.push({
        at: t + rng.uniform(0.1, 0.8) * editWindow,
        apply: (at) => {
          const from = this.priority;
          this.priority = PRIORITIES[j];
          this.emit('priority_changed', at, { from_priority: from });
        },
      });
    }
    edits.sort((a, b) => a.at - b.at);
    for (const e of edits) {
      e.apply(e.at);
      t = e.at;
    }

    let s = this.skill();
    let rounds = 1 + rng.poisson(0.3 + 2.2 * (1 - s) + timing.extraRounds);
    let transfers = 0;
    let escalated = false;
    let onHold = false;
    let reopens = 0;
    let firstResponseMs = -1;
    const willTransfer = rng.chance(0.02 + 0.2 * sq(1 - s));
    const transferRound = rng.int(0, rounds - 1);
    const willEscalate = rng.chance(
      0.02 + 0.12 * sq(1 - s) + (this.priority === 'urgent' ? 0.08 : this.priority === 'high' ? 0.03 : 0) + (this.vip ? 0.04 : 0),
    );
    const escalateRound = rng.int(0, rounds - 1);
    let tResolved = t;
    let closeDelay = 0;

    for (;;) {
      for (let r = 0; r < rounds; r++) {
        if (misrouted && reopens === 0 && r === 0) {
          t = agentActionTime(this, t, Math.min(timing.firstReply, 30) * 0.5, s);
          this.transfer(t, rightTeam, 'misrouted');
          transfers++;
          s = this.skill();
        } else if (willTransfer && reopens === 0 && r === transferRound && transfers === 0) {
          t = agentActionTime(this, t, timing.agentReply * 0.5, s);
          const sameTeam = rng.chance(0.5) || this.team === 'vip-care';
          const others = CATEGORY_TEAMS[this.category].map((o) => o[0]).filter((x) => x !== this.team);
          const to = sameTeam || others.length === 0 ? (this.team ?? rightTeam) : rng.pick(others);
          this.transfer(t, to, sameTeam ? 'expertise' : 'wrong_team');
          transfers++;
          s = this.skill();
        }
        if (willEscalate && !escalated && r >= escalateRound) {
          escalated = true;
          t += rng.uniform(1, 15) * MINUTE_MS;
          this.emit('escalated', t, {
            escalation_level: this.priority === 'urgent' || rng.chance(0.2) ? '2' : '1',
            reason: rng.pick(['customer_request', 'complexity', 'sla_risk', 'complaint']),
          });
        }
        t = agentActionTime(this, t, firstResponseMs < 0 ? timing.firstReply : timing.agentReply, s);
        if (firstResponseMs < 0) firstResponseMs = t - spec.createdMs;
        this.agentReply(t);
        if (r === rounds - 1) break;

        if (!onHold && rng.chance(ON_HOLD_RATE)) {
          onHold = true;
          t += rng.uniform(0.5, 5) * MINUTE_MS;
          this.setStatus(t, 'on_hold', rng.pick(HOLD_REASONS));
          t += rng.logNormal(timing.async ? 6 : 0.5, 0.7) * HOUR_MS;
          this.setStatus(t, 'open', 'hold_released');
          continue;
        }
        const pending = rng.chance(PENDING_RATE);
        if (pending) {
          t += rng.uniform(0.1, 3) * MINUTE_MS;
          this.setStatus(t, 'pending', 'waiting_for_customer');
        }
        t = customerActionTime(this, t, timing.customerReply);
        // Ticketing systems reopen a pending ticket the moment the customer writes.
        if (pending) this.setStatus(t, 'open', 'customer_reply');
        this.customerReply(t);
      }

      t += rng.logNormal(timing.resolve, 0.5) * MINUTE_MS;
      this.status = 'solved';
      this.emit('resolved', t);
      tResolved = t;
      closeDelay = timing.closeHours * rng.uniform(0.8, 1.3) * HOUR_MS;
      if (reopens >= MAX_REOPENS || !rng.chance(0.02 + 0.3 * sq(1 - s) + (spec.incident ? 0.03 : 0))) break;
      const reopenDelay = rng.exponential(16 * HOUR_MS) + 10 * MINUTE_MS;
      // A ticket that reached auto-close stays closed; the customer would open a new one.
      if (reopenDelay >= closeDelay) break;
      t += reopenDelay;
      this.status = 'open';
      this.emit('reopened', t);
      this.customerReply(t, true);
      reopens++;
      rounds = 1 + rng.poisson(0.5 + (1 - s));
    }

    const tClosed = tResolved + closeDelay;
    this.status = 'closed';
    this.emit('closed', tClosed);

    if (rng.chance(0.35 + (this.vip ? 0.1 : 0) + (reopens > 0 ? 0.1 : 0))) {
      const slow = firstResponseMs > 3 * timing.firstReply * MINUTE_MS;
      const q =
        0.3 +
        0.7 * s -
        0.15 * reopens -
        0.06 * transfers -
        (escalated ? 0.08 : 0) -
        (slow ? 0.1 : 0) -
        (spec.incident ? 0.05 : 0) +
        rng.normal(0, 0.15);
      const csat = Math.min(5, Math.max(1, Math.round(1 + 4 * q)));
      const at = tResolved + MINUTE_MS + rng.logNormal(timing.async ? 4 * 60 : 10, 1) * MINUTE_MS;
      this.status = at >= tClosed ? 'closed' : 'solved';
      this.emit('satisfaction_rated', at, null, undefined, undefined, csat);
    }
    return this.finish();
  }

  private finish(): TicketRecord {
    const r = this.record;
    if (this.sorted) return r;
    // Stable sort keeps causal order for events that share a millisecond; event ids keep
    // their emission index so they stay the same whatever the sort does.
    const order = r.times.map((_, i) => i).sort((a, b) => r.times[a] - r.times[b] || a - b);
    r.times = order.map((i) => r.times[i]);
    r.codes = order.map((i) => r.codes[i]);
    r.extras = order.map((i) => r.extras[i]);
    r.ids = order;
    return r;
  }
}

export function buildTicket(spec: TicketSpec, staffing: Staffing): TicketRecord {
  return new TicketBuilder(spec, staffing).build();
}

/** Formats a money amount the way customers in a region would write it. */
export function formatAmount(eur: number, region: Region): string {
  const c = REGION_CURRENCY[region];
  return `${c.symbol}${(eur * c.rate).toFixed(2)}`;
}

export function appVersion(rng: Rng): string {
  return rng.pick(APP_VERSIONS);
}
