// The simulation: arrivals → ticket specs → whole lifecycles → one time-ordered stream.
// Tickets are materialised lazily as simulated time advances, so memory holds only the
// tickets still in flight, and any way of slicing time yields the same stream.
import type { TicketEvent } from '../../core/events/schema.ts';
import {
  CATEGORIES,
  CATEGORY_WEIGHTS,
  CHANNEL_WEIGHTS,
  DIGITAL_CATEGORIES,
  PRIORITIES,
  PRIORITY_WEIGHTS,
  PRODUCTS,
  REGIONS,
  REGION_SHARE,
  type Category,
  type Channel,
  type Priority,
  type Product,
  type Region,
  type Team,
} from './catalogue.ts';
import { CHANNELS } from '../../core/events/schema.ts';
import { createOrganisation, type Agent, type Customer, type Organisation } from './organisation.ts';
import { Rng, normaliseSeed } from './random.ts';
import { IncidentArrivals, RhythmArrivals, type Arrival } from './arrivals.ts';
import { MINUTE_MS, isBusinessHours } from './rhythm.ts';
import { TicketHeap } from './ticket-heap.ts';
import { materialise } from './ticket-record.ts';
import { appVersion, buildTicket, formatAmount, type Staffing, type TicketSpec } from './lifecycle.ts';
import { defectCount, defectText, type TextVars } from './texts.ts';

export interface IncidentOptions {
  /** Minutes after the simulation start at which the incident begins. */
  startOffsetMinutes: number;
  durationMinutes: number;
  /** Mean extra tickets per hour over the window (on top of ordinary traffic). */
  ticketsPerHour: number;
  product?: string;
  batch?: string;
  region?: string;
  category?: string;
}

export const DEFAULT_INCIDENT = {
  startOffsetMinutes: 120,
  durationMinutes: 180,
  ticketsPerHour: 60,
  product: 'Velvet Matte Lipstick',
  batch: 'B-2311',
  region: 'eu-west',
  category: 'product_defect',
} as const satisfies Required<IncidentOptions>;

export interface SimulationOptions {
  seed: number;
  /** Simulated start instant. */
  start: Date | number;
  /** Mean ordinary tickets per hour over a week (default 120). */
  ticketsPerHour?: number;
  /** Number of agents (default 40). */
  agents?: number;
  /** 1 or 2 tenants (default 1). */
  tenants?: number;
  /** Size of the customer base (default 8000). */
  customers?: number;
  incident?: IncidentOptions | null;
  /** Share of customers outside apac-cn writing in Chinese (default 0.15; apac-cn is ~95%). */
  languages?: { zh?: number };
  /** Fraction of lines the runner replaces with malformed input (default 0). */
  invalidRate?: number;
}

export interface IncidentInfo {
  startMs: number;
  endMs: number;
  /** ISO-8601 forms of startMs / endMs. */
  start: string;
  end: string;
  ticketsPerHour: number;
  product: string;
  batch: string;
  region: Region;
  category: Category;
}

export interface SimulationStats {
  tickets: number;
  incidentTickets: number;
  events: number;
  /** Tickets with events still to come. */
  inFlight: number;
}

export interface Simulation {
  readonly seed: number;
  readonly startMs: number;
  readonly invalidRate: number;
  readonly organisation: Organisation;
  readonly incident: IncidentInfo | null;
  /**
   * Every not-yet-yielded event with occurred_at ≤ untilMs, in (occurred_at, ticket,
   * position) order. Stopping early is safe: the rest comes with the next call.
   */
  events(untilMs: number): Generator<TicketEvent, void, undefined>;
  /** occurred_at (ms) of the next event that events() would yield. */
  peekTime(): number;
  /** Expected tickets per hour at an instant (ordinary + incident). */
  arrivalRate(ms: number): number;
  /** Ground truth: ids of tickets created by the incident so far. */
  incidentTicketIds(): ReadonlySet<string>;
  stats(): SimulationStats;
}

const INCIDENT_REGION_SHARE = 0.85;
const INCIDENT_BATCH_SHARE = 0.9;
/** The incident's dominant failure modes (e.g. snapped / arrived broken / melted). */
const INCIDENT_DEFECT_WEIGHTS = [0.45, 0.35, 0.2];
const INCIDENT_CHANNEL_WEIGHTS: Readonly<Record<Channel, number>> = { chat: 0.17, phone: 0.03, email: 0.35, web: 0.25, social: 0.2 };
const PRIORITY_WEIGHTS_VIP = [0.05, 0.45, 0.35, 0.15];
const PRIORITY_WEIGHTS_URGENT_CATEGORY = [0.1, 0.5, 0.28, 0.12];
const PRIORITY_WEIGHTS_INCIDENT = [0.05, 0.6, 0.3, 0.05];

function resolveIncident(startMs: number, opts: IncidentOptions): IncidentInfo {
  const o = { ...DEFAULT_INCIDENT, ...opts };
  for (const k of ['startOffsetMinutes', 'durationMinutes', 'ticketsPerHour'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new RangeError(`incident.${k} must be a finite number ≥ 0`);
  }
  if (!(REGIONS as readonly string[]).includes(o.region)) throw new RangeError(`incident.region must be one of ${REGIONS.join(', ')}`);
  if (!(CATEGORIES as readonly string[]).includes(o.category)) throw new RangeError(`incident.category must be one of ${CATEGORIES.join(', ')}`);
  const s = startMs + o.startOffsetMinutes * MINUTE_MS;
  const e = s + o.durationMinutes * MINUTE_MS;
  return {
    startMs: s,
    endMs: e,
    start: new Date(s).toISOString(),
    end: new Date(e).toISOString(),
    ticketsPerHour: o.ticketsPerHour,
    product: o.product,
    batch: o.batch,
    region: o.region as Region,
    category: o.category as Category,
  };
}

function buildStaffing(org: Organisation): Staffing {
  const byTeam = new Map<string, Agent[]>();
  const byTenant = new Map<string, Agent[]>();
  for (const a of org.agents) {
    const k = `${a.tenant}|${a.team}`;
    byTeam.set(k, [...(byTeam.get(k) ?? []), a]);
    byTenant.set(a.tenant, [...(byTenant.get(a.tenant) ?? []), a]);
  }
  // A tenant with fewer agents than teams borrows the first tenant's staff.
  const fallback = byTenant.get(org.tenants[0].id) ?? org.agents.slice();
  const none: Agent[] = [];
  const positions = new Map(org.agents.map((a, i) => [a, i]));
  return {
    indexOf: (agent: Agent) => positions.get(agent)!,
    team: (tenant: string, team: Team) => byTeam.get(`${tenant}|${team}`) ?? none,
    all: (tenant: string) => byTenant.get(tenant) ?? fallback,
    hasTeam: (tenant: string, team: Team) => byTeam.has(`${tenant}|${team}`),
  };
}

class SimulationImpl implements Simulation {
  readonly seed: number;
  readonly startMs: number;
  readonly invalidRate: number;
  readonly organisation: Organisation;
  readonly incident: IncidentInfo | null;
  private readonly seed36: string;
  private readonly staffing: Staffing;
  private readonly customersBy = new Map<string, Customer[]>();
  private readonly heap = new TicketHeap();
  private readonly agentIds: readonly string[];
  private readonly base: RhythmArrivals;
  private readonly burst: IncidentArrivals | null;
  private nextBase: Arrival;
  private nextBurst: Arrival | null;
  private readonly incidentIds = new Set<string>();
  private readonly incidentProduct: Product | null;
  private seq = 0;
  private emitted = 0;
  private readonly physical: Product[];
  private readonly digital: Product[];
  private readonly tenantWeights: number[];
  private readonly regionWeights = REGIONS.map((r) => REGION_SHARE[r]);
  private readonly categoryWeights = CATEGORIES.map((c) => CATEGORY_WEIGHTS[c]);

  constructor(opts: SimulationOptions) {
    this.seed = normaliseSeed(opts.seed);
    this.seed36 = this.seed.toString(36);
    this.startMs = typeof opts.start === 'number' ? opts.start : opts.start.getTime();
    if (!Number.isFinite(this.startMs)) throw new RangeError('start must be a valid instant');
    const tph = opts.ticketsPerHour ?? 120;
    if (!Number.isFinite(tph) || tph <= 0) throw new RangeError('ticketsPerHour must be a positive number');
    this.invalidRate = opts.invalidRate ?? 0;
    if (!(this.invalidRate >= 0 && this.invalidRate <= 1)) throw new RangeError('invalidRate must be within [0, 1]');
    this.organisation = createOrganisation({
      seed: this.seed,
      agents: opts.agents,
      tenants: opts.tenants,
      customers: opts.customers,
      zhShare: opts.languages?.zh,
    });
    this.staffing = buildStaffing(this.organisation);
    this.agentIds = this.organisation.agents.map((a) => a.id);
    for (const c of this.organisation.customers) {
      const k = `${c.tenant}|${c.region}`;
      let list = this.customersBy.get(k);
      if (list === undefined) this.customersBy.set(k, (list = []));
      list.push(c);
    }
    this.tenantWeights = this.organisation.tenants.map((t) => t.share);
    this.physical = PRODUCTS.filter((p) => p.kind !== 'digital');
    this.digital = PRODUCTS.filter((p) => p.kind === 'digital');

    this.incident = opts.incident ? resolveIncident(this.startMs, opts.incident) : null;
    const inc = this.incident;
    this.incidentProduct =
      inc === null
        ? null
        : (PRODUCTS.find((p) => p.name === inc.product) ?? { name: inc.product, nameZh: inc.product, kind: 'device', weight: 0, price: 40, batches: [inc.batch] });
    this.base = new RhythmArrivals(this.seed, this.startMs, tph);
    this.burst = inc === null ? null : new IncidentArrivals(this.seed, inc.startMs, inc.endMs, inc.ticketsPerHour);
    this.nextBase = this.base.next();
    this.nextBurst = this.burst?.next() ?? null;
  }

  *events(untilMs: number): Generator<TicketEvent, void, undefined> {
    const heap = this.heap;
    for (;;) {
      const arrival = this.peekArrival();
      const top = heap.peekTime();
      // Materialise before popping at equal times: the new ticket has the larger seq,
      // so the heap still orders it after tickets already in flight.
      if (arrival.timeMs <= untilMs && arrival.timeMs <= top) {
        this.materialise(this.takeArrival());
        continue;
      }
      if (top > untilMs) return;
      this.emitted++;
      const rec = heap.popTicket();
      yield materialise(rec, rec.cursor - 1, this.agentIds);
    }
  }

  peekTime(): number {
    return Math.min(this.peekArrival().timeMs, this.heap.peekTime());
  }

  arrivalRate(ms: number): number {
    return this.base.rate(ms) + (this.burst?.rate(ms) ?? 0);
  }

  incidentTicketIds(): ReadonlySet<string> {
    return this.incidentIds;
  }

  stats(): SimulationStats {
    return { tickets: this.seq, incidentTickets: this.incidentIds.size, events: this.emitted, inFlight: this.heap.size };
  }

  private peekArrival(): Arrival {
    const b = this.nextBurst;
    return b !== null && b.timeMs < this.nextBase.timeMs ? b : this.nextBase;
  }

  private takeArrival(): Arrival {
    const a = this.peekArrival();
    if (a === this.nextBase) this.nextBase = this.base.next();
    else this.nextBurst = this.burst?.next() ?? null;
    return a;
  }

  private materialise(arrival: Arrival): void {
    const seq = ++this.seq;
    const rng = new Rng(this.seed, arrival.stream, arrival.index);
    const spec = arrival.stream === 1 ? this.incidentSpec(seq, arrival, rng) : this.ordinarySpec(seq, arrival, rng);
    if (spec.incident) this.incidentIds.add(spec.id);
    this.heap.push(buildTicket(spec, this.staffing));
  }

  private customer(rng: Rng, tenant: string, region: Region): Customer {
    const list = this.customersBy.get(`${tenant}|${region}`) ?? this.customersBy.get(`${this.organisation.tenants[0].id}|${region}`)!;
    return rng.pick(list);
  }

  private ordinarySpec(seq: number, arrival: Arrival, rng: Rng): TicketSpec {
    const tenant = this.organisation.tenants[rng.weightedIndex(this.tenantWeights)].id;
    const region = arrival.region ?? REGIONS[rng.weightedIndex(this.regionWeights)];
    const customer = this.customer(rng, tenant, region);
    const office = isBusinessHours(arrival.timeMs, region);
    // Phone lines close at night and chat is thinly staffed, so those channels shrink.
    const channelWeights = CHANNELS.map((c) => CHANNEL_WEIGHTS[c] * (office ? 1 : c === 'phone' ? 0.15 : c === 'chat' ? 0.6 : 1));
    const channel = CHANNELS[rng.weightedIndex(channelWeights)];
    const category = CATEGORIES[rng.weightedIndex(this.categoryWeights)];
    const products = DIGITAL_CATEGORIES.has(category) ? this.digital : this.physical;
    const product = products[rng.weightedIndex(products.map((p) => p.weight))];
    const batch = product.batches.length > 0 ? rng.pick(product.batches) : null;
    const defect = rng.int(0, defectCount(product.kind) - 1);
    const priorityWeights =
      customer.tier === 'vip'
        ? PRIORITY_WEIGHTS_VIP
        : category === 'payment_failure' || category === 'account_access'
          ? PRIORITY_WEIGHTS_URGENT_CATEGORY
          : PRIORITY_WEIGHTS;
    const priority = PRIORITIES[rng.weightedIndex(priorityWeights)];
    return this.spec(seq, arrival.timeMs, rng, tenant, customer, channel, category, product, batch, priority, defect, false);
  }

  private incidentSpec(seq: number, arrival: Arrival, rng: Rng): TicketSpec {
    const inc = this.incident!;
    const product = this.incidentProduct!;
    const tenant = this.organisation.tenants[0].id;
    const region = rng.chance(INCIDENT_REGION_SHARE) ? inc.region : REGIONS[rng.weightedIndex(this.regionWeights)];
    const customer = this.customer(rng, tenant, region);
    const channel = rng.weighted(CHANNELS, CHANNELS.map((c) => INCIDENT_CHANNEL_WEIGHTS[c]));
    const others = product.batches.filter((b) => b !== inc.batch);
    const batch = others.length === 0 || rng.chance(INCIDENT_BATCH_SHARE) ? inc.batch : rng.pick(others);
    const defect = rng.weightedIndex(INCIDENT_DEFECT_WEIGHTS) % defectCount(product.kind);
    const priority = PRIORITIES[rng.weightedIndex(PRIORITY_WEIGHTS_INCIDENT)];
    return this.spec(seq, arrival.timeMs, rng, tenant, customer, channel, inc.category, product, batch, priority, defect, true);
  }

  private spec(
    seq: number,
    createdMs: number,
    rng: Rng,
    tenant: string,
    customer: Customer,
    channel: Channel,
    category: Category,
    product: Product,
    batch: string | null,
    priority: Priority,
    defect: number,
    incident: boolean,
  ): TicketSpec {
    const language = customer.language;
    const zh = language === 'zh';
    const amountEur = category === 'billing' ? rng.uniform(5, 300) : Math.max(1, product.price) * rng.uniform(0.9, 2.6);
    const vars: TextVars = {
      product: zh ? product.nameZh : product.name,
      order: `#A${rng.digits(8)}`,
      amount: formatAmount(amountEur, customer.region),
      batch: batch ?? '',
      defect: defectText(language, product.kind, defect),
      card: rng.digits(4),
      days: String(rng.int(2, 14)),
      version: appVersion(rng),
    };
    const id = `T-${this.seed36}-${seq}`;
    return {
      seq,
      id,
      eventIdPrefix: `evt-${this.seed36}-${seq}-`,
      createdMs,
      rng,
      tenant,
      customer,
      channel,
      category,
      product,
      batch,
      language,
      priority,
      defect,
      incident,
      vars,
    };
  }
}

export function createSimulation(opts: SimulationOptions): Simulation {
  return new SimulationImpl(opts);
}
