import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { EVENT_TYPES, TicketEventSchema, type TicketEvent } from '../../core/events/schema.ts';
import { decodeEvent } from '../../core/events/validate.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { Kafka, logLevel } from 'kafkajs';
import { randomName, startKafkaBroker } from '../support/kafka-broker.ts';
import {
  CATEGORIES,
  REGIONS,
  REGION_UTC_OFFSET_HOURS,
  STATUSES,
  TEAMS,
  createSimulation,
  fileSink,
  httpSink,
  kafkaSink,
  runSimulation,
  type EventSink,
  type SimBatch,
  type SimulationOptions,
} from '../../ingest/simulator/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC. */
const START = Date.UTC(2026, 10, 23);
const INCIDENT = { startOffsetMinutes: 10 * 60, durationMinutes: 180, ticketsPerHour: 60 };
const check = Compile(TicketEventSchema);
const HAN = /[\u4e00-\u9fff]/;

function generate(opts: Partial<SimulationOptions>, days: number): TicketEvent[] {
  const sim = createSimulation({ seed: 42, start: START, ...opts });
  return [...sim.events(START + days * DAY)];
}

// One simulated week shared by the read-only tests below.
let weekCache: { events: TicketEvent[]; sim: ReturnType<typeof createSimulation> } | null = null;
function week() {
  if (!weekCache) {
    const sim = createSimulation({ seed: 42, start: START, incident: INCIDENT });
    weekCache = { sim, events: [...sim.events(START + 7 * DAY)] };
  }
  return weekCache;
}

function memorySink(onSend?: (batch: SimBatch) => void): EventSink & { batches: SimBatch[] } {
  const batches: SimBatch[] = [];
  return {
    name: 'memory',
    batches,
    async send(batch) {
      batches.push({ lines: [...batch.lines], keys: [...batch.keys] });
      onSend?.(batch);
    },
    async close() {},
  };
}

const byTicket = (events: TicketEvent[]) => {
  const m = new Map<string, TicketEvent[]>();
  for (const e of events) {
    let list = m.get(e.ticket_id);
    if (!list) m.set(e.ticket_id, (list = []));
    list.push(e);
  }
  return m;
};

const localHour = (e: TicketEvent) => new Date(Date.parse(e.occurred_at) + REGION_UTC_OFFSET_HOURS[e.region as 'eu-west'] * HOUR).getUTCHours();
const localWeekday = (e: TicketEvent) => new Date(Date.parse(e.occurred_at) + REGION_UTC_OFFSET_HOURS[e.region as 'eu-west'] * HOUR).getUTCDay();

describe('simulator: determinism', () => {
  it('produces the identical stream for the same seed over 3 simulated days', () => {
    const a = generate({ incident: INCIDENT }, 3);
    const b = generate({ incident: INCIDENT }, 3);
    expect(a.length).toBeGreaterThan(20_000);
    expect(b).toEqual(a);
  });

  it('does not depend on how simulated time is sliced', () => {
    const whole = generate({ incident: INCIDENT }, 2);
    const sim = createSimulation({ seed: 42, start: START, incident: INCIDENT });
    const sliced: TicketEvent[] = [];
    // Uneven slices, including an early stop in the middle of one.
    for (let t = START; t < START + 2 * DAY; t += 37 * 60_000 + 1234) {
      let n = 0;
      for (const ev of sim.events(t)) {
        sliced.push(ev);
        if (++n === 50) break;
      }
    }
    sliced.push(...sim.events(START + 2 * DAY));
    expect(sliced).toEqual(whole);
  });

  it('produces a different stream for a different seed', () => {
    const strip = (events: TicketEvent[]) => events.slice(0, 2000).map((e) => [e.type, e.occurred_at, e.subject ?? '', e.customer_id]);
    const a = generate({}, 1);
    const b = generate({ seed: 43 }, 1);
    expect(strip(b)).not.toEqual(strip(a));
    expect(b[0].event_id).not.toBe(a[0].event_id);
  });
});

describe('simulator: the event contract', () => {
  it('every event of a simulated week validates against the contract', () => {
    const { events } = week();
    const bad = events.filter((e) => !check.Check(e));
    expect(bad.slice(0, 3)).toEqual([]);
    // The ingest validator checks what the schema leaves to it (timestamps, sizes).
    const nowMs = START + 30 * DAY;
    const rejected = events.filter((_, i) => i % 7 === 0).map((e) => decodeEvent(JSON.stringify(e), nowMs)).filter((r) => !r.ok);
    expect(rejected.slice(0, 3)).toEqual([]);
    for (const e of events.slice(0, 5000)) {
      expect(e.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(e.schema_version).toBe(1);
      expect(e.csat === undefined || e.type === 'satisfaction_rated').toBe(true);
    }
  });

  it('uses every one of the 13 event types over a week', () => {
    const seen = new Set(week().events.map((e) => e.type));
    expect([...seen].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('yields events in non-decreasing occurred_at order with unique ids', () => {
    const { events } = week();
    let prev = '';
    let outOfOrder = 0;
    for (const e of events) {
      if (e.occurred_at < prev) outOfOrder++;
      prev = e.occurred_at;
    }
    expect(outOfOrder).toBe(0);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events[0].event_id).toMatch(/^evt-[0-9a-z]+-\d+-\d+$/);
    expect(events[0].ticket_id).toMatch(/^T-[0-9a-z]+-\d+$/);
  });

  it('keeps every ticket lifecycle coherent', () => {
    const { events } = week();
    const statusAfter: Partial<Record<string, readonly string[]>> = {
      created: ['new'],
      assigned: ['open'],
      resolved: ['solved'],
      reopened: ['open'],
      closed: ['closed'],
      status_changed: ['open', 'pending', 'on_hold'],
      satisfaction_rated: ['solved', 'closed'],
    };
    const problems: string[] = [];
    let closedTickets = 0;
    for (const [id, list] of byTicket(events)) {
      const fail = (why: string) => problems.length < 10 && problems.push(`${id}: ${why}`);
      if (list[0].type !== 'created') fail('does not start with created');
      if (!list[0].subject || !list[0].body) fail('created without subject/body');
      let status = 'new';
      let assigned = false;
      let closed = false;
      let resolvedOpen = false;
      for (const e of list.slice(1)) {
        if (e.type === 'created') fail('second created');
        if (e.subject !== undefined) fail(`subject on ${e.type}`);
        if (closed && e.type !== 'satisfaction_rated') fail(`${e.type} after closed`);
        if ((e.type === 'agent_replied' || e.type === 'customer_replied') && !e.body) fail('reply without body');
        if (e.type === 'agent_replied' && !assigned) fail('reply before assignment');
        if (resolvedOpen && (e.type === 'agent_replied' || e.type === 'customer_replied' || e.type === 'transferred')) fail(`${e.type} while solved`);
        if (e.type === 'reopened' && !resolvedOpen) fail('reopened without being resolved');
        if (e.type === 'status_changed' && e.attributes?.from_status !== status) fail('status_changed from the wrong status');
        if (e.type === 'satisfaction_rated' && !(Number.isInteger(e.csat) && e.csat! >= 1 && e.csat! <= 5)) fail('bad csat');
        if (assigned && (!e.agent_id || !e.team)) fail(`${e.type} without agent/team after assignment`);
        if (e.tenant !== list[0].tenant || e.channel !== list[0].channel || e.customer_id !== list[0].customer_id || e.region !== list[0].region) {
          fail('ticket dimensions changed');
        }
        const allowed = statusAfter[e.type];
        if (allowed && !allowed.includes(e.status!)) fail(`${e.type} with status ${e.status}`);
        if (!STATUSES.includes(e.status as 'new')) fail(`unknown status ${e.status}`);
        if (e.type === 'assigned') assigned = true;
        if (e.type === 'resolved') resolvedOpen = true;
        if (e.type === 'reopened') resolvedOpen = false;
        if (e.type === 'closed') {
          closed = true;
          closedTickets++;
        }
        if (e.type !== 'satisfaction_rated') status = e.status!;
      }
    }
    expect(problems).toEqual([]);
    expect(closedTickets).toBeGreaterThan(5000);
  });
});

describe('simulator: realism', () => {
  it('shows the daily rhythm in each region (local 10–16 h vs 01–05 h) and in UTC', () => {
    const created = week().events.filter((e) => e.type === 'created' && !week().sim.incidentTicketIds().has(e.ticket_id));
    for (const region of REGIONS) {
      const mine = created.filter((e) => e.region === region);
      const day = mine.filter((e) => localHour(e) >= 10 && localHour(e) < 16).length;
      const night = mine.filter((e) => localHour(e) >= 1 && localHour(e) < 5).length;
      expect(day, region).toBeGreaterThan(night * 5);
    }
    const utcHour = (e: TicketEvent) => new Date(e.occurred_at).getUTCHours();
    const day = created.filter((e) => utcHour(e) >= 10 && utcHour(e) < 16).length / 6;
    const night = created.filter((e) => utcHour(e) >= 1 && utcHour(e) < 5).length / 4;
    expect(day).toBeGreaterThan(night * 1.2);
  });

  it('has quieter weekends', () => {
    const created = week().events.filter((e) => e.type === 'created');
    const weekend = created.filter((e) => localWeekday(e) === 0 || localWeekday(e) === 6).length / 2;
    const weekday = created.filter((e) => localWeekday(e) >= 1 && localWeekday(e) <= 5).length / 5;
    expect(weekday).toBeGreaterThan(weekend * 1.5);
  });

  it('matches the configured mean rate', () => {
    const created = week().events.filter((e) => e.type === 'created').length;
    const expected = 120 * 24 * 7 + INCIDENT.ticketsPerHour * 3;
    expect(created).toBeGreaterThan(expected * 0.95);
    expect(created).toBeLessThan(expected * 1.05);
  });

  it('writes subjects in English and in Chinese, mostly Chinese from apac-cn', () => {
    const created = week().events.filter((e) => e.type === 'created');
    const zh = created.filter((e) => HAN.test(e.subject!));
    const en = created.filter((e) => !HAN.test(e.subject!));
    expect(zh.length).toBeGreaterThan(created.length * 0.15);
    expect(en.length).toBeGreaterThan(created.length * 0.5);
    const cn = created.filter((e) => e.region === 'apac-cn');
    expect(cn.filter((e) => HAN.test(e.subject!)).length).toBeGreaterThan(cn.length * 0.85);
    for (const e of created.slice(0, 2000)) expect(e.attributes?.language).toBe(HAN.test(e.subject!) ? 'zh' : 'en');
    // Texts vary: far more distinct subjects than templates.
    expect(new Set(created.map((e) => e.subject)).size).toBeGreaterThan(created.length * 0.3);
  });

  it('injects the incident: a burst of similar tickets for one product batch and region', () => {
    const { events, sim } = week();
    const inc = sim.incident!;
    expect(inc.start).toBe('2026-11-23T10:00:00.000Z');
    expect(inc.endMs - inc.startMs).toBe(3 * HOUR);
    const match = (e: TicketEvent) =>
      e.type === 'created' && e.product === inc.product && e.attributes?.product_batch === inc.batch && e.region === inc.region && e.category === 'product_defect';
    const inWindow = (e: TicketEvent, offsetDays: number) => {
      const t = Date.parse(e.occurred_at) - offsetDays * DAY;
      return t >= inc.startMs && t <= inc.endMs;
    };
    const inside = events.filter((e) => match(e) && inWindow(e, 0));
    // The same three hours on the other weekdays.
    const outside = [1, 2, 3, 4].map((d) => events.filter((e) => match(e) && inWindow(e, d)).length);
    const outsideMean = outside.reduce((a, b) => a + b, 0) / outside.length;
    expect(inside.length).toBeGreaterThan(100);
    expect(inside.length).toBeGreaterThan(10 * Math.max(1, outsideMean));
    expect(inside.filter((e) => HAN.test(e.subject!)).length).toBeGreaterThan(3);
    const ids = sim.incidentTicketIds();
    for (const id of ids) {
      const created = events.find((e) => e.ticket_id === id && e.type === 'created')!;
      expect(Date.parse(created.occurred_at)).toBeGreaterThanOrEqual(inc.startMs);
      expect(Date.parse(created.occurred_at)).toBeLessThanOrEqual(inc.endMs);
    }
    // Similar wording: most incident tickets name one of the dominant failure modes.
    const modes = /snapped|broken|melted|断|融化/;
    expect(inside.filter((e) => modes.test(`${e.subject} ${e.body}`)).length).toBeGreaterThan(inside.length * 0.8);
  });

  it('has no incident when none is configured, and ordinary traffic is unchanged by one', () => {
    const sim = createSimulation({ seed: 42, start: START });
    expect(sim.incident).toBeNull();
    const events = [...sim.events(START + DAY)];
    expect(sim.incidentTicketIds().size).toBe(0);
    const burst = events.filter(
      (e) =>
        e.type === 'created' &&
        e.product === 'Velvet Matte Lipstick' &&
        e.attributes?.product_batch === 'B-2311' &&
        e.region === 'eu-west' &&
        Date.parse(e.occurred_at) >= START + 10 * HOUR &&
        Date.parse(e.occurred_at) <= START + 13 * HOUR,
    );
    expect(burst.length).toBeLessThan(10);
    const withIncident = createSimulation({ seed: 42, start: START, incident: INCIDENT });
    const ordinary = [...withIncident.events(START + DAY)].filter((e) => e.type === 'created' && !withIncident.incidentTicketIds().has(e.ticket_id));
    const key = (e: TicketEvent) => `${e.occurred_at}|${e.customer_id}|${e.subject}`;
    expect(ordinary.map(key)).toEqual(events.filter((e) => e.type === 'created').map(key));
  });
});

describe('simulator: organisation and skill', () => {
  it('builds a configurable organisation with hidden per-category skill', () => {
    const org = createSimulation({ seed: 42, start: START }).organisation;
    expect(org.agents).toHaveLength(40);
    expect(new Set(org.agents.map((a) => a.team))).toEqual(new Set(TEAMS));
    for (const a of org.agents) {
      expect(Object.keys(a.trueSkill).sort()).toEqual([...CATEGORIES].sort());
      for (const v of Object.values(a.trueSkill)) expect(v >= 0 && v <= 1).toBe(true);
    }
    expect(createSimulation({ seed: 42, start: START, agents: 12 }).organisation.agents).toHaveLength(12);
    expect(createSimulation({ seed: 42, start: START }).organisation).toEqual(org);
    const two = createSimulation({ seed: 42, start: START, tenants: 2 });
    expect(two.organisation.tenants.map((t) => t.id)).toEqual(['acme', 'globex']);
    expect(new Set([...two.events(START + 6 * HOUR)].map((e) => e.tenant))).toEqual(new Set(['acme', 'globex']));
  });

  it('lets true skill drive outcomes (CSAT, reply speed, reopens) without leaking it', () => {
    const { events, sim } = week();
    const agents = new Map(sim.organisation.agents.map((a) => [a.id, a]));
    const skillOf = (e: TicketEvent) => agents.get(e.agent_id!)!.trueSkill[e.category as 'billing'];
    const rated = events.filter((e) => e.type === 'satisfaction_rated').map((e) => [skillOf(e), e.csat!] as const);
    const n = rated.length;
    const mx = rated.reduce((s, p) => s + p[0], 0) / n;
    const my = rated.reduce((s, p) => s + p[1], 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (const [x, y] of rated) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
      syy += (y - my) ** 2;
    }
    expect(sxy / Math.sqrt(sxx * syy)).toBeGreaterThan(0.3);

    // Live-chat reply gaps by the replying agent's skill: the best third is faster.
    const gaps: Array<[number, number]> = [];
    for (const list of byTicket(events).values()) {
      if (list[0].channel !== 'chat') continue;
      for (let i = 1; i < list.length; i++) {
        const e = list[i];
        if (e.type === 'agent_replied' && list[i - 1].type === 'customer_replied') {
          gaps.push([skillOf(e), Date.parse(e.occurred_at) - Date.parse(list[i - 1].occurred_at)]);
        }
      }
    }
    gaps.sort((a, b) => a[0] - b[0]);
    const third = Math.floor(gaps.length / 3);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const slow = median(gaps.slice(0, third).map((g) => g[1]));
    const fast = median(gaps.slice(-third).map((g) => g[1]));
    expect(fast).toBeLessThan(slow * 0.8);

    const reopenedBy = (lo: number, hi: number) => {
      const resolved = events.filter((e) => e.type === 'resolved' && skillOf(e) >= lo && skillOf(e) < hi);
      const reopened = new Set(events.filter((e) => e.type === 'reopened').map((e) => e.ticket_id));
      return resolved.filter((e) => reopened.has(e.ticket_id)).length / resolved.length;
    };
    expect(reopenedBy(0.7, 1.01)).toBeLessThan(reopenedBy(0, 0.45));

    const leaked = events.some((e) => Object.keys(e.attributes ?? {}).some((k) => /skill/i.test(k)));
    expect(leaked).toBe(false);
  });

  it('generates fast enough for the demo and benchmarks', () => {
    // Measured without the cached week alive, so old-generation GC does not skew it.
    weekCache = null;
    const sim = createSimulation({ seed: 9, start: START, ticketsPerHour: 400, incident: INCIDENT });
    sim.events(START + HOUR).next(); // warm up
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const t0 = performance.now();
    const c0 = cpuMs();
    let n = 0;
    for (const _ of sim.events(START + 4 * DAY)) n++;
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = (cpuMs() - c0) / 1000;
    // Printed, not asserted: timings on shared machines make flaky tests (see bench/).
    console.log(
      `simulator generation: ${n} events in ${wallS.toFixed(2)} s wall = ${Math.round(n / wallS)} events/s ` +
        `(${Math.round(n / cpuS)} events per CPU-second)`,
    );
    expect(n).toBeGreaterThan(200_000);
  });
});

describe('runner', () => {
  it('at speed Infinity with until produces exactly the generator stream', async () => {
    const until = START + DAY;
    const expected = generate({ incident: INCIDENT }, 1);
    const sink = memorySink();
    const simulation = createSimulation({ seed: 42, start: START, incident: INCIDENT });
    const totals = await runSimulation({ simulation, speed: Infinity, until, sink, batchSize: 500, nowFn: () => START + 30 * DAY });
    const lines = sink.batches.flatMap((b) => b.lines);
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
    expect(sink.batches.flatMap((b) => b.keys)).toEqual(expected.map((e) => e.ticket_id));
    expect(totals).toEqual({ events: expected.length, invalid: 0, batches: Math.ceil(expected.length / 500), simulatedUntil: until });
    expect(sink.batches.every((b) => b.lines.length <= 500)).toBe(true);
  });

  it('never emits events in the future of nowFn, then continues in real time', async () => {
    const wallStart = START + 2 * HOUR;
    let wall = wallStart;
    const nowFn = () => (wall += 10_000);
    const controller = new AbortController();
    let violations = 0;
    let maxSent = 0;
    const sink = memorySink((batch) => {
      for (const line of batch.lines) {
        const t = Date.parse(JSON.parse(line).occurred_at);
        if (t > wall) violations++;
        maxSent = Math.max(maxSent, t);
      }
      if (wall > wallStart + 2 * HOUR) controller.abort();
    });
    const simulation = createSimulation({ seed: 5, start: START, ticketsPerHour: 600 });
    const totals = await runSimulation({ simulation, speed: 600, sink, signal: controller.signal, nowFn, tickMs: 1, batchSize: 50 });
    expect(violations).toBe(0);
    expect(totals.events).toBeGreaterThan(1000);
    // The replayed history was caught up and real time followed.
    expect(maxSent).toBeGreaterThan(wallStart + HOUR);
    expect(totals.simulatedUntil).toBeLessThanOrEqual(wall);
  });

  it('paces simulated time at speed× wall time after an unpaced catch-up', async () => {
    const wallStart = START + 10 * DAY;
    let wall = wallStart;
    const nowFn = () => (wall += 100);
    const catchUpTo = START + 12 * HOUR;
    const speed = 120;
    let ahead = 0;
    let wallAtCatchUp = 0;
    const sink = memorySink((batch) => {
      const last = Date.parse(JSON.parse(batch.lines[batch.lines.length - 1]).occurred_at);
      if (last <= catchUpTo) wallAtCatchUp = wall;
      // Once paced, simulated time may not run ahead of catch-up point + elapsed × speed.
      else if (last > catchUpTo + (wall - wallAtCatchUp + 1000) * speed) ahead++;
    });
    const simulation = createSimulation({ seed: 5, start: START });
    const totals = await runSimulation({ simulation, speed, sink, nowFn, tickMs: 1, catchUpTo, until: catchUpTo + 2 * HOUR });
    expect(ahead).toBe(0);
    expect(totals.simulatedUntil).toBe(catchUpTo + 2 * HOUR);
    // The catch-up took a handful of clock reads, the paced 2 hours about 2h / speed.
    expect(wallAtCatchUp - wallStart).toBeLessThan(100 * 1000);
    expect(wall - wallAtCatchUp).toBeGreaterThan((2 * HOUR) / speed - 5000);
  });

  it('stops when the signal aborts, after finishing the current batch', async () => {
    const controller = new AbortController();
    const sink = memorySink(() => {
      if (sink.batches.length === 3) controller.abort();
    });
    const simulation = createSimulation({ seed: 1, start: START });
    const totals = await runSimulation({ simulation, speed: Infinity, until: START + 5 * DAY, sink, signal: controller.signal, batchSize: 100, nowFn: () => START + 30 * DAY });
    expect(totals.batches).toBe(3);
    expect(totals.events).toBe(300);
    expect(sink.batches.flatMap((b) => b.lines)).toHaveLength(300);
    expect(totals.simulatedUntil).toBe(Date.parse(JSON.parse(sink.batches[2].lines[99]).occurred_at));
  });

  it('replaces about invalidRate of the lines with malformed input of several kinds', async () => {
    const run = async () => {
      const sink = memorySink();
      const simulation = createSimulation({ seed: 42, start: START, invalidRate: 0.05 });
      const totals = await runSimulation({ simulation, speed: Infinity, until: START + DAY, sink, nowFn: () => START + 30 * DAY });
      return { sink, totals };
    };
    const { sink, totals } = await run();
    const lines = sink.batches.flatMap((b) => b.lines);
    const keys = sink.batches.flatMap((b) => b.keys);
    const share = totals.invalid / lines.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    expect(totals.events + totals.invalid).toBe(lines.length);
    const nowMs = START + 30 * DAY;
    const reasons = new Set<string>();
    lines.forEach((line, i) => {
      const verdict = decodeEvent(line, nowMs);
      if (keys[i] === null) {
        expect(verdict.ok, line).toBe(false);
        if (!verdict.ok) reasons.add(verdict.reason);
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(line);
        } catch {
          return;
        }
        // Parsable malformed lines break the schema, or the timestamp rule that the
        // schema leaves to the validator.
        const timestampRejected = !verdict.ok && verdict.reason === 'invalid_timestamp';
        expect(!check.Check(parsed) || timestampRejected, line).toBe(true);
      } else {
        expect(verdict.ok).toBe(true);
      }
    });
    for (const reason of ['invalid_json', 'invalid_timestamp', 'invalid_type', 'missing_field', 'unknown_event_type']) {
      expect([...reasons]).toContain(reason);
    }
    // Deterministic: the same seed corrupts the same lines the same way.
    const again = await run();
    expect(again.sink.batches.flatMap((b) => b.lines)).toEqual(lines);
  });
});

describe('sinks', () => {
  it('fileSink appends NDJSON lines and flushes on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tp-sim-'));
    try {
      const path = join(dir, 'nested', 'events.ndjson');
      const sink = fileSink(path);
      await sink.send({ lines: ['{"a":1}', '{"a":2}'], keys: ['T-1', 'T-2'] });
      await sink.send({ lines: ['not json'], keys: [null] });
      await sink.close();
      const again = fileSink(path);
      await again.send({ lines: ['{"a":3}'], keys: ['T-3'] });
      await again.close();
      expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\nnot json\n{"a":3}\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  async function withServer(handler: (req: IncomingMessage, body: string, n: number) => [number, unknown], fn: (url: string) => Promise<void>) {
    let n = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const [status, payload] = handler(req, body, ++n);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await fn(`http://127.0.0.1:${port}/v1/events`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('httpSink posts NDJSON, retries 5xx and counts per-event rejections', async () => {
    const seen: Array<{ type?: string; auth?: string; body: string }> = [];
    await withServer(
      (req, body, n) => {
        seen.push({ type: req.headers['content-type'], auth: req.headers.authorization, body });
        return n === 1 ? [503, { error: 'busy' }] : [202, { accepted: 1, rejected: 1, errors: [{ index: 1, path: '', reason: 'invalid_json', message: 'x' }] }];
      },
      async (url) => {
        const sink = httpSink(url, { apiKey: 'secret', retryBaseMs: 5 });
        await sink.send({ lines: ['{"a":1}', 'oops'], keys: ['T-1', null] });
        expect(sink.stats).toEqual({ requests: 2, retries: 1, accepted: 1, rejected: 1 });
        await sink.close();
      },
    );
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({ type: 'application/x-ndjson', auth: 'Bearer secret', body: '{"a":1}\noops\n' });
  });

  it('httpSink throws on a 4xx that is not a per-event report, and gives up after maxAttempts', async () => {
    await withServer(
      () => [401, { error: 'unauthorized' }],
      async (url) => {
        const err = await httpSink(url).send({ lines: ['{}'], keys: [null] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TicketPulseError);
        expect((err as TicketPulseError).code).toBe('unauthorized');
      },
    );
    await withServer(
      () => [400, { accepted: 0, rejected: 1, errors: [] }],
      async (url) => {
        const sink = httpSink(url);
        await sink.send({ lines: ['oops'], keys: [null] });
        expect(sink.stats.rejected).toBe(1);
      },
    );
    await withServer(
      () => [500, { error: 'down' }],
      async (url) => {
        const sink = httpSink(url, { maxAttempts: 3, retryBaseMs: 1 });
        const err = await sink.send({ lines: ['{}'], keys: [null] }).catch((e: unknown) => e);
        expect((err as TicketPulseError).retriable).toBe(true);
        expect(sink.stats.requests).toBe(3);
      },
    );
  });

  it('kafkaSink produces keyed messages so one ticket stays on one partition, in order', async () => {
    const topic = randomName('sim');
    const broker = await startKafkaBroker({ topics: [{ name: topic, partitions: 3 }] });
    const consumerKafka = new Kafka({ clientId: 'sim-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const consumer = consumerKafka.consumer({ groupId: randomName('sim-test') });
    try {
      const sink = memorySink();
      const simulation = createSimulation({ seed: 3, start: START, invalidRate: 0.02 });
      await runSimulation({ simulation, speed: Infinity, until: START + 6 * HOUR, sink, batchSize: 200, nowFn: () => START + DAY });
      const kafka = kafkaSink({ brokers: broker.brokers, topic, logLevel: logLevel.NOTHING });
      for (const batch of sink.batches) await kafka.send(batch);
      await kafka.close();
      const sent = sink.batches.flatMap((b) => b.lines.map((line, i) => ({ line, key: b.keys[i] })));

      const received: Array<{ key: string | null; value: string; partition: number }> = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message, partition }) => {
            received.push({ key: message.key?.toString() ?? null, value: message.value!.toString(), partition });
            if (received.length === sent.length) resolve();
          },
        });
      });
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`received ${received.length}/${sent.length}`)), 30_000))]);

      expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.line).sort());
      const partitionsOf = new Map<string, Set<number>>();
      const orderOf = new Map<string, string[]>();
      for (const m of received) {
        if (m.key === null) continue;
        (partitionsOf.get(m.key) ?? partitionsOf.set(m.key, new Set()).get(m.key)!).add(m.partition);
        (orderOf.get(m.key) ?? orderOf.set(m.key, []).get(m.key)!).push(m.value);
      }
      expect([...partitionsOf.values()].every((p) => p.size === 1)).toBe(true);
      expect(new Set(received.map((m) => m.partition)).size).toBe(3);
      for (const [key, values] of orderOf) {
        expect(values).toEqual(sent.filter((m) => m.key === key).map((m) => m.line));
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await broker.stop();
    }
  }, 120_000);
});
