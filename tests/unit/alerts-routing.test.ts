// Routing: first match wins unless a route continues; escalation ladders merge.
import { describe, expect, it } from 'vitest';
import { AlertRouter } from '../../processors/alerts/index.ts';
import { alertsConfig } from '../support/alerts-fixtures.ts';

const channels = Object.fromEntries(['vip', 'billing', 'all', 'sup', 'mgr', 'ding'].map((n) => [n, { type: 'webhook', url: `https://x/${n}` }]));
const config = alertsConfig({
  channels,
  routes: [
    { name: 'vip-critical', match: { tier: ['vip'], severity: ['critical'] }, channels: ['vip'], escalate: [{ afterMinutes: 30, channels: ['mgr'] }], continue: true },
    { name: 'billing-sla', match: { team: ['billing'], kind: ['sla_breached', 'sla_at_risk'] }, channels: ['billing'], escalate: [{ afterMinutes: 1440, channels: ['sup'] }, { afterMinutes: 30, channels: ['ding'] }] },
    { name: 'escalations', match: { kind: ['sla_escalated'], labels: { escalation: ['manager'] } }, channels: ['mgr'] },
    { name: 'catch-all', channels: ['all'] },
  ],
});
const router = AlertRouter.fromConfig(config);
const a = (kind: string, severity: 'info' | 'warning' | 'critical', labels: Record<string, string>) => ({ kind, severity, subject_type: 'ticket', labels });

describe('routing', () => {
  it('first match wins', () => {
    expect(router.plan(a('sla_breached', 'critical', { team: 'billing' }))).toMatchObject({ routes: ['billing-sla'], level1: ['billing'] });
    expect(router.plan(a('volume_surge', 'warning', { team: 'billing' }))).toMatchObject({ routes: ['catch-all'], level1: ['all'] });
  });

  it('a route with continue lets later routes add their channels and escalation steps', () => {
    const plan = router.plan(a('sla_breached', 'critical', { team: 'billing', tier: 'vip' }));
    expect(plan.routes).toEqual(['vip-critical', 'billing-sla']);
    expect(plan.level1).toEqual(['vip', 'billing']);
    // Steps of both routes, merged by delay: 30 min → mgr + ding, 24 h → sup.
    expect(plan.escalations).toEqual([
      { level: 2, afterMs: 30 * 60_000, channels: ['mgr', 'ding'] },
      { level: 3, afterMs: 24 * 3_600_000, channels: ['sup'] },
    ]);
    expect(router.channelsUpTo(a('sla_breached', 'critical', { team: 'billing', tier: 'vip' }), 2)).toEqual(['vip', 'billing', 'mgr', 'ding']);
  });

  it('matches on any label, and every listed dimension must match', () => {
    expect(router.plan(a('sla_escalated', 'critical', { escalation: 'manager' })).level1).toEqual(['mgr']);
    expect(router.plan(a('sla_escalated', 'critical', { escalation: 'team_lead' })).level1).toEqual(['all']);
    expect(router.plan(a('sla_breached', 'warning', { team: 'billing', tier: 'vip' })).routes).toEqual(['billing-sla']);
  });

  it('matches on priority', () => {
    const byPriority = new AlertRouter([
      { name: 'urgent', match: { priority: ['urgent', 'high'] }, channels: ['mgr'] },
      { name: 'rest', channels: ['all'] },
    ]);
    expect(byPriority.plan(a('sla_breached', 'critical', { priority: 'urgent' })).routes).toEqual(['urgent']);
    expect(byPriority.plan(a('sla_breached', 'critical', { priority: 'high' })).level1).toEqual(['mgr']);
    expect(byPriority.plan(a('sla_breached', 'critical', { priority: 'normal' })).routes).toEqual(['rest']);
    // No priority label at all does not match a priority list.
    expect(byPriority.plan(a('sla_breached', 'critical', {})).routes).toEqual(['rest']);
  });

  it('matches on tenant, together with the other dimensions', () => {
    const byTenant = new AlertRouter([
      { name: 'acme-critical', match: { tenant: ['acme'], severity: ['critical'] }, channels: ['ding'] },
      { name: 'globex', match: { tenant: ['globex'] }, channels: ['billing'] },
      { name: 'rest', channels: ['all'] },
    ]);
    expect(byTenant.plan(a('volume_surge', 'critical', { tenant: 'acme' })).level1).toEqual(['ding']);
    expect(byTenant.plan(a('volume_surge', 'warning', { tenant: 'acme' })).routes).toEqual(['rest']); // severity must match too
    expect(byTenant.plan(a('sla_breached', 'info', { tenant: 'globex', team: 'billing' })).routes).toEqual(['globex']);
    expect(byTenant.plan(a('sla_breached', 'critical', { tenant: 'initech' })).routes).toEqual(['rest']);
    // A label named like the tenant elsewhere (e.g. the team) does not count as the tenant.
    expect(byTenant.plan(a('sla_breached', 'critical', { team: 'acme' })).routes).toEqual(['rest']);
  });

  it('routes nowhere when nothing matches', () => {
    const none = new AlertRouter([{ match: { kind: ['volume_surge'] }, channels: ['all'] }]);
    expect(none.plan(a('sla_breached', 'critical', {}))).toEqual({ routes: [], level1: [], escalations: [] });
  });
});
