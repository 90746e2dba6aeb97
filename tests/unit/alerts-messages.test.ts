// Message templates: every known kind in English and Chinese says what happened, how
// bad and where to look; links fill from config templates; digests add up.
import { describe, expect, it } from 'vitest';
import { KNOWN_ALERT_KINDS, buildDigest, renderMessage, toPlainText, type AlertRecord, type DeliveryRecord, type NotificationMessage } from '../../processors/alerts/index.ts';
import { alertLinks, fillTemplate } from '../../processors/alerts/messages/links.ts';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

function alert(over: Partial<AlertRecord>): AlertRecord {
  return {
    id: 'a-1',
    version: 1,
    event: 'fired',
    actor: '',
    note: '',
    dedup_key: 'k',
    kind: 'sla_breached',
    severity: 'critical',
    state: 'firing',
    subject_type: 'ticket',
    subject_id: 'T-1042',
    summary: 'First response on T-1042 is overdue',
    details: {},
    labels: {},
    links: [],
    fired_at: T0,
    last_seen_at: T0,
    updated_at: T0,
    acknowledged_at: null,
    acknowledged_by: '',
    resolved_at: null,
    resolved_by: '',
    resolution: '',
    escalation_level: 1,
    notifications: 1,
    occurrences: 1,
    last_notified_at: T0,
    last_notification: 'fired',
    next_notify_at: null,
    ...over,
  };
}

const fired = (a: AlertRecord, notification: 'fired' | 'reminder' | 'escalated' | 'resolved' | 'severity_raised' = 'fired', level = 1): NotificationMessage => ({
  type: 'alert',
  notification,
  alert: a,
  escalation_level: level,
});

const SAMPLES: Record<string, Partial<AlertRecord>> = {
  sla_at_risk: { severity: 'warning', details: { target_minutes: 240, elapsed_minutes: 180, remaining_minutes: 60, used_fraction: 0.75 }, labels: { metric: 'resolution', team: 'billing' } },
  sla_breached: { details: { target_minutes: 30, elapsed_minutes: 47, overdue_minutes: 17 }, labels: { metric: 'first_response', team: 'billing', priority: 'urgent' } },
  sla_escalated: { details: { level: 2, overdue_minutes: 1440, no_reply_minutes: 1500 }, labels: { metric: 'next_reply', escalation: 'manager' } },
  sla_compliance_low: { subject_type: 'team', subject_id: 'billing', severity: 'warning', details: { compliance_pct: 82.5, target_pct: 95, tickets: 412 } },
  volume_surge: { subject_type: 'category', subject_id: 'login', details: { expected: 12, observed: 57, ratio: 4.75, z_score: 6.1 } },
  root_cause_batch: { subject_type: 'cluster', subject_id: 'C-88', details: { tickets: 38, customers: 35, window_minutes: 45 }, labels: { product: 'router-x2' } },
  agent_quality: { subject_type: 'agent', subject_id: 'agent-17', severity: 'info', details: { csat: 3.1, reopen_rate: 0.22 } },
};

describe('alert messages', () => {
  it('covers every known kind', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...KNOWN_ALERT_KINDS].sort());
  });

  it.each(Object.entries(SAMPLES))('%s reads well in English and Chinese', (kind, over) => {
    const a = alert({ kind, ...over });
    const en = renderMessage(fired(a), { language: 'en', timezone: 'UTC' });
    const zh = renderMessage(fired(a), { language: 'zh', timezone: 'Asia/Shanghai' });
    for (const m of [en, zh]) {
      expect(m.title).not.toContain('_'); // no raw kind or metric names
      expect(m.facts.length).toBeGreaterThanOrEqual(Object.keys(over.details ?? {}).length);
      for (const f of m.facts) expect(f.label).not.toMatch(/_/);
    }
    expect(en.footer).toContain('2026-03-02 09:00 UTC');
    expect(zh.footer).toContain('2026-03-02 17:00 (Asia/Shanghai)');
    expect(zh.title).toMatch(/[\u4e00-\u9fff]/);
  });

  it('says what happened, how bad, and the numbers, in each language', () => {
    const a = alert(SAMPLES.sla_breached);
    expect(toPlainText(renderMessage(fired(a), { language: 'en', timezone: 'UTC' }))).toBe(
      [
        '[CRITICAL] SLA breached: first response — ticket T-1042',
        'First response on T-1042 is overdue',
        'Target: 30 min\nElapsed: 47 min\nOverdue by: 17 min\nTeam: billing\nPriority: urgent',
        'Fired 2026-03-02 09:00 UTC · alert a-1',
      ].join('\n'),
    );
    const zh = renderMessage(fired(a), { language: 'zh', timezone: 'UTC' });
    expect(zh.title).toBe('[严重] SLA 已超时：首次响应 — 工单 T-1042');
    expect(zh.facts).toContainEqual({ label: '已超时', value: '17分钟' });
    // The English summary stays out of a Chinese message for a kind the templates know…
    expect(zh.lines).toEqual([]);
    // …but not for a kind they do not, where it is the only description.
    expect(renderMessage(fired(alert({ kind: 'queue_backlog' })), { language: 'zh', timezone: 'UTC' }).lines).toEqual([a.summary]);
  });

  it('formats units from the detail names', () => {
    const m = renderMessage(fired(alert({ details: { target_minutes: 1500, used_fraction: 0.755, compliance_pct: 82.5, ratio: 4.75, tickets: 12_345 } })), { language: 'en', timezone: 'UTC' });
    const v = Object.fromEntries(m.facts.map((f) => [f.label, f.value]));
    expect(v).toMatchObject({ Target: '1 d 1 h', 'Target used': '75.5%', Compliance: '82.5%', 'Observed / expected': '×4.75', Tickets: '12,345' });
  });

  it('reminders, escalations and resolutions say so', () => {
    const a = alert({ ...SAMPLES.sla_breached, updated_at: T0 + 24 * 3_600_000 });
    expect(renderMessage(fired(a, 'escalated', 2), { language: 'en', timezone: 'UTC' }).lines[0]).toBe('Escalated to level 2: not acknowledged 1 d after it fired.');
    expect(renderMessage(fired(a, 'escalated', 2), { language: 'zh', timezone: 'UTC' }).lines[0]).toBe('已升级至第 2 级：触发1天后仍未确认。');
    expect(renderMessage(fired(a, 'reminder'), { language: 'en', timezone: 'UTC' }).lines[0]).toBe('Still firing after 1 d and not acknowledged.');
    const r = alert({ state: 'resolved', resolved_at: T0 + 47 * 60_000, resolved_by: 'alice', resolution: 'manual' });
    const m = renderMessage(fired(r, 'resolved'), { language: 'en', timezone: 'UTC' });
    expect(m.title).toMatch(/^\[RESOLVED\] /);
    expect(m.tone).toBe('resolved');
    expect(m.lines[0]).toBe('Resolved by alice after 47 min.');
  });

  it('renders an unknown kind generically rather than failing', () => {
    const m = renderMessage(fired(alert({ kind: 'queue_backlog', subject_type: 'queue', subject_id: 'vip' })), { language: 'en', timezone: 'UTC' });
    expect(m.title).toBe('[CRITICAL] queue backlog — queue vip');
  });
});

describe('links', () => {
  const cfg = {
    ticketUrl: 'https://desk.example.com/{tenant}/tickets/{ticket_id}',
    dashboardUrl: 'https://grafana.example.com/d/sla?var-team={team}',
    alertUrl: 'https://tp.example.com/v1/alerts/{alert_id}',
  };

  it('fills templates, URL-encoding values, and leaves out a link whose placeholder has no value', () => {
    const links = alertLinks({ id: 'a/1', kind: 'sla_breached', subject_type: 'ticket', subject_id: 'T 1', labels: { tenant: 'acme', team: 'billing & returns' } }, [], cfg);
    expect(links).toEqual([
      { label: 'ticket', url: 'https://desk.example.com/acme/tickets/T%201' },
      { label: 'dashboard', url: 'https://grafana.example.com/d/sla?var-team=billing%20%26%20returns' },
      { label: 'alert', url: 'https://tp.example.com/v1/alerts/a%2F1' },
    ]);
    const teamAlert = alertLinks({ id: 'a2', kind: 'sla_compliance_low', subject_type: 'team', subject_id: 'billing', labels: { team: 'billing' } }, [], cfg);
    expect(teamAlert.map((l) => l.label)).toEqual(['dashboard', 'alert']);
    expect(fillTemplate('https://x/{missing}', {})).toBeNull();
  });

  it('shows configured link labels in the channel language', () => {
    const a = alert({ links: [{ label: 'ticket', url: 'https://x/t' }, { label: 'Runbook', url: 'https://x/r' }] });
    expect(renderMessage(fired(a), { language: 'zh', timezone: 'UTC' }).links.map((l) => l.label)).toEqual(['打开工单', 'Runbook']);
    expect(renderMessage(fired(a), { language: 'en', timezone: 'UTC' }).links.map((l) => l.label)).toEqual(['Open ticket', 'Runbook']);
  });
});

describe('digests', () => {
  const member = (i: number): DeliveryRecord => {
    const a = alert({ id: `a${i}`, subject_id: `T-${i}`, severity: i % 4 === 0 ? 'warning' : 'critical', kind: i % 5 === 0 ? 'sla_at_risk' : 'sla_breached', labels: { team: ['billing', 'shipping', 'tech'][i % 3] } });
    return {
      id: `a${i}:ops:1`,
      version: 1,
      alert_id: a.id,
      alert_version: 1,
      channel: 'ops',
      channel_type: 'webhook',
      notification: 'fired',
      escalation_level: 1,
      state: 'pending',
      attempts: 0,
      last_status: 0,
      last_error: '',
      created_at: T0 + i * 100,
      updated_at: T0,
      next_attempt_at: T0,
      delivered_at: null,
      digest_id: '',
      member_count: 0,
      message: fired(a),
    };
  };

  it('counts every member by severity, kind and team, and lists the most severe first', () => {
    const d = buildDigest('ops', Array.from({ length: 1_000 }, (_, i) => member(i)), 10, []);
    expect(d.total).toBe(1_000);
    expect(d.by_severity).toEqual({ critical: 750, warning: 250 });
    expect(d.by_kind.reduce((n, k) => n + k.count, 0)).toBe(1_000);
    expect(d.by_team.map((x) => x.team)).toEqual(['billing', 'shipping', 'tech']);
    expect(d.items).toHaveLength(10);
    expect(d.items.every((i) => i.severity === 'critical')).toBe(true);
    expect(d.last_at - d.first_at).toBe(99_900);
    const text = toPlainText(renderMessage({ type: 'digest', notification: 'digest', digest: d }, { language: 'en', timezone: 'UTC' }));
    expect(text).toMatch(/^\[DIGEST\] 1,000 alerts in 2 min\n/);
    expect(text).toContain('By severity: CRITICAL 750, WARNING 250');
    expect(text).toContain('… and 990 more');
    const zh = toPlainText(renderMessage({ type: 'digest', notification: 'digest', digest: d }, { language: 'zh', timezone: 'UTC' }));
    expect(zh).toMatch(/^\[汇总\] 2分钟内 1,000 条告警\n/);
  });
});
