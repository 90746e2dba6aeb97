// Against known truth: the simulator gives every agent a hidden true skill per
// category that drives reply speed, rounds, reopens, transfers and CSAT but never
// appears in an event. After a simulated month, the learned skill scores must rank
// agents like the truth does (Spearman ≥ 0.8 per category, agents with ≥ 30 tickets),
// the weights must lean toward the better agents, and coaching must flag weak ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { createSimulation, type Simulation } from '../../ingest/simulator/index.ts';
import { AgentsService, parseAgentsConfig, spearman, type AgentQualityAlert, type RecomputeReport } from '../../processors/agents/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20);
const MIN_TICKETS = 30;
const say = (line: string) => process.stdout.write(`${line}\n`);

let t: TestClickHouse;
let sim: Simulation;
let svc: AgentsService;
let report: RecomputeReport;
const alerts: AgentQualityAlert[] = [];

beforeAll(async () => {
  t = await openTestClickHouse('agents-truth');
  sim = createSimulation({ seed: 20261120, start: NOW - 30 * DAY, ticketsPerHour: 30, agents: 40, incident: null });
  const started = performance.now();
  const ctx = { nowMs: NOW, receivedAt: toClickHouseTime(NOW) };
  const inserter = new ClickHouseInserter(t.ch);
  let lines: string[] = [];
  let n = 0;
  for (const e of sim.events(NOW)) {
    // Texts play no part in agent metrics; leaving them out keeps the insert quick.
    const { body: _body, subject: _subject, ...lean } = e;
    const r = processMessage(JSON.stringify(lean), { source: 'simulator', index: n++ }, ctx);
    if (r.kind === 'ok') lines.push(r.line);
    if (lines.length >= 50_000) {
      await inserter.insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
      lines = [];
    }
  }
  await inserter.insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
  say(`simulated month: ${sim.stats().tickets} tickets, ${n} events, 40 agents, stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // Load awareness is tested elsewhere; here every agent has room, so weights follow skill.
  const config = parseAgentsConfig({ routing: { defaultCapacity: 1000 } });
  svc = new AgentsService({ ch: t.ch, config, onAlert: (a) => void alerts.push(a) });
  report = await svc.recompute({ now: NOW });
  say(`recompute: ${report.durationMs} ms (${JSON.stringify(report.phasesMs)}), version ${report.version}, ${report.scoreRows} score rows, ${report.insights} coaching insights`);
}, 300_000);

afterAll(async () => {
  await svc?.close();
  await t?.cleanup();
});

describe('skill scores against the simulator’s hidden true skills', () => {
  it('rank agents like the truth: Spearman ≥ 0.8 per category (agents with ≥ 30 tickets)', () => {
    const scores = svc.store.scoreSnapshot()!.scores.filter((s) => s.window_days === 30);
    const truth = new Map(sim.organisation.agents.map((a) => [a.id, a.trueSkill]));
    const figures: Array<{ category: string; rho: number; agents: number; medianTickets: number }> = [];
    for (const category of sim.organisation.categories) {
      const rows = scores.filter((s) => s.skill === category && s.tickets >= MIN_TICKETS);
      const rho = spearman(
        rows.map((r) => r.composite.score),
        rows.map((r) => truth.get(r.agent_id)![category]),
      );
      const tickets = rows.map((r) => r.tickets).sort((a, b) => a - b);
      figures.push({ category, rho, agents: rows.length, medianTickets: tickets[tickets.length >> 1] ?? 0 });
    }
    for (const f of figures) {
      say(`spearman ${f.category.padEnd(16)} rho=${f.rho.toFixed(3)} agents=${f.agents} median_tickets_per_agent=${f.medianTickets}`);
    }
    for (const f of figures) {
      expect(f.agents, f.category).toBeGreaterThanOrEqual(8);
      expect(f.rho, f.category).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('routes more software_fault tickets to the truly better tech-support agents', () => {
    const group = JSON.parse(svc.store.weights({ team: 'tech-support', skill: 'software_fault' }).body).weights as Array<{ agent_id: string; weight: number }>;
    const truth = new Map(sim.organisation.agents.map((a) => [a.id, a.trueSkill.software_fault]));
    const rho = spearman(group.map((w) => w.weight), group.map((w) => truth.get(w.agent_id)!));
    const best = [...group].sort((a, b) => truth.get(b.agent_id)! - truth.get(a.agent_id)!)[0];
    say(`tech-support × software_fault: ${group.length} agents, spearman(weight, true skill) = ${rho.toFixed(3)}; best agent ${best.agent_id} weight ${best.weight.toFixed(4)} vs uniform ${(1 / group.length).toFixed(4)}`);
    expect(group.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 12);
    expect(rho).toBeGreaterThanOrEqual(0.6);
    expect(best.weight).toBeGreaterThan(1 / group.length);
  });

  it('raises agent_quality insights for agents who are truly weaker in that skill', () => {
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.length).toBe(report.insights);
    const truth = new Map(sim.organisation.agents.map((a) => [a.id, a.trueSkill as Record<string, number>]));
    const scores = svc.store.scoreSnapshot()!.scores.filter((s) => s.window_days === 30);
    let below = 0;
    for (const a of alerts) {
      // The comparison group: the agents scored in that skill.
      const skill = a.labels.skill;
      const peers = scores.filter((s) => s.skill === skill).map((s) => truth.get(s.agent_id)![skill]);
      const mean = peers.reduce((s, v) => s + v, 0) / peers.length;
      if (truth.get(a.subject.id)![skill] < mean) below++;
      else if (process.env.DEBUG_AGENTS) say(`not truly below: ${a.labels.metric} ${a.subject.id} ${skill} true ${truth.get(a.subject.id)![skill]} mean ${mean.toFixed(3)} ${a.summary}`);
      expect(a.details.agent_hi).toBeLessThan(a.details.population_rate);
      expect(a.details.agent_n).toBeGreaterThanOrEqual(20);
    }
    say(`coaching: ${alerts.length} insights, ${below} of them on agents whose true skill is below their comparison group's mean; e.g. ${alerts[0].summary}`);
    expect(below / alerts.length).toBeGreaterThanOrEqual(0.8);
  });
});
