// Fixtures shared by the SLA clock tests (tests/unit/sla-clock*.test.ts): the calendars
// and policies every hand-worked case in those files assumes.
import {
  computeSla,
  type MetricSla,
  type PolicyConfig,
  type SlaConfig,
  type SlaEvent,
  type SlaResult,
} from '../../processors/sla/index.ts';

export const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture time ${iso}`);
  return ms;
};
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

export const WEEKDAYS_9_18 = { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] };
export const HALF_3Q = [
  { name: 'half', fraction: 0.5 },
  { name: 'three_quarters', fraction: 0.75 },
];
export const POLICIES: PolicyConfig[] = [
  {
    name: 'urgent',
    match: { priority: ['urgent'] },
    targets: { first_response: 30, next_reply: 60, resolution: 240 },
    calendar: 'always',
    at_risk: [
      { name: 'half', fraction: 0.5 },
      { name: 'last_10', minutes_left: 10 },
    ],
  },
  { name: 'vip', match: { customer_tier: ['vip'] }, targets: { first_response: 30, next_reply: 60, resolution: 480 }, calendar: 'biz', at_risk: HALF_3Q },
  { name: 'high', match: { priority: ['high'] }, targets: { first_response: 60, next_reply: 120, resolution: 960 }, calendar: 'biz', at_risk: HALF_3Q },
  { name: 'normal', targets: { first_response: 240, next_reply: 480, resolution: 2700 }, calendar: 'biz', at_risk: HALF_3Q },
];
export const CONFIG: SlaConfig = {
  calendars: {
    biz: { timezone: 'Europe/London', hours: WEEKDAYS_9_18, holidays: [{ date: '2026-05-04', name: 'Early May bank holiday' }] },
    always: { timezone: 'UTC', always: true },
  },
  policies: POLICIES,
};

/** A ticket's event factory: sequential ids, normal priority and standard tier unless overridden. */
export function ticket(defaults: Partial<SlaEvent> = {}) {
  let n = 0;
  return (type: string, when: string, extra: Partial<SlaEvent> = {}): SlaEvent => ({
    event_id: `e${++n}`,
    ticket_id: 'T-1',
    type,
    occurred_at: when,
    priority: 'normal',
    customer_tier: 'standard',
    ...defaults,
    ...extra,
  });
}

export function sla(events: SlaEvent[], now: string, config: SlaConfig = CONFIG, explain = false): SlaResult {
  return computeSla(events, config, at(now), { explain });
}
export function metric(m: MetricSla | null): MetricSla {
  if (m === null) throw new Error('metric is not tracked');
  return m;
}
