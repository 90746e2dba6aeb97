// The `sla:` config section: every problem is reported with the key that holds it.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/index.ts';
import { DEFAULT_CALENDARS, DEFAULT_SLA_CONFIG, parseSlaConfig, validateSlaConfig } from '../../processors/sla/index.ts';

const catchAll = { name: 'default', targets: { first_response: 60 } };
const keys = (input: unknown): string[] => validateSlaConfig(input).map((i) => i.key);

describe('validateSlaConfig', () => {
  it('accepts no section and the built-in defaults', () => {
    expect(validateSlaConfig(undefined)).toEqual([]);
    expect(validateSlaConfig(DEFAULT_SLA_CONFIG)).toEqual([]);
  });

  it('names the key of a policy that refers to an unknown calendar', () => {
    const issues = validateSlaConfig({
      policies: [
        { name: 'a', match: { priority: ['urgent'] }, targets: {} },
        { name: 'b', match: { priority: ['high'] }, targets: {}, calendar: 'business' },
        { name: 'c', targets: {}, calendar: 'bussiness' },
      ],
    });
    expect(issues).toHaveLength(1);
    expect(issues[0].key).toBe('sla.policies[2].calendar');
    expect(issues[0].message).toContain('unknown calendar "bussiness"');
    expect(issues[0].message).toContain('default, business');
  });

  it('requires the last policy to match every ticket', () => {
    expect(keys({ policies: [{ name: 'a', match: { priority: ['high'] }, targets: {} }] })).toEqual(['sla.policies[0].match']);
  });

  it('refuses a catch-all before the end (the rest would never be used)', () => {
    expect(keys({ policies: [catchAll, { ...catchAll, name: 'never' }] })).toEqual(['sla.policies[0].match']);
  });

  it('checks time zones, hours and holidays of each calendar', () => {
    const issues = validateSlaConfig({
      calendars: {
        emea: {
          timezone: 'Europe/Lndon',
          hours: { mon: ['09:00-18:00', '9-17'], tue: ['10:00-10:00'] },
          holidays: [{ date: '2026-02-30' }, { date: '12-24', closed: ['18:00-13:00'] }],
        },
        both: { timezone: 'UTC', always: true, hours: { mon: ['09:00-17:00'] } },
        closed: { timezone: 'UTC' },
      },
      policies: [catchAll],
    });
    expect(issues.map((i) => i.key)).toEqual([
      'sla.calendars.emea.hours.mon[1]',
      'sla.calendars.both.hours',
      'sla.calendars.closed.hours',
    ]);
    // The schema pass stops a calendar at its first error; fix it and the rest show.
    const second = validateSlaConfig({
      calendars: {
        emea: {
          timezone: 'Europe/Lndon',
          hours: { mon: ['09:00-18:00'], tue: ['10:00-10:00'] },
          holidays: [{ date: '2026-02-30' }, { date: '12-24', closed: ['18:00-13:00'] }],
        },
      },
      policies: [catchAll],
    });
    expect(second.map((i) => i.key)).toEqual([
      'sla.calendars.emea.timezone',
      'sla.calendars.emea.hours.tue[0]',
      'sla.calendars.emea.holidays[0].date',
      'sla.calendars.emea.holidays[1].closed[0]',
    ]);
    expect(second[1].message).toContain("'00:00-24:00'");
  });

  it('names misspelled keys and out-of-range values', () => {
    const issues = validateSlaConfig({
      polices: [],
      policies: [
        { name: 'a', match: { priority: ['urgent'] }, targte: {}, targets: {} },
        { name: 'b', match: { priority: ['high'] }, targets: { resolution: -5 } },
        { name: 'c', targets: {}, at_risk: [{ fraction: 1.5 }] },
      ],
    });
    expect(issues.map((i) => i.key)).toEqual([
      'sla.polices',
      'sla.policies[0].targte',
      'sla.policies[1].targets.resolution',
      'sla.policies[2].at_risk[0].fraction',
    ]);
  });

  it('checks at-risk levels, escalation levels and policy names', () => {
    const issues = validateSlaConfig({
      policies: [
        { name: 'a', match: { priority: ['urgent'] }, targets: {}, at_risk: [{ name: 'empty' }] },
        {
          name: 'a',
          targets: {},
          escalations: [
            { level: 1, notify: 'team_lead' },
            { level: 1, notify: 'manager', clock: 'weekly' },
          ],
        },
      ],
    });
    expect(issues.map((i) => i.key)).toEqual(['sla.policies[0].at_risk[0]', 'sla.policies[1].escalations[1].clock']);
    const fixed = validateSlaConfig({
      policies: [
        { name: 'a', match: { priority: ['urgent'] }, targets: {} },
        {
          name: 'a',
          targets: {},
          escalations: [
            { level: 1, notify: 'team_lead' },
            { level: 1, notify: 'manager' },
          ],
        },
      ],
    });
    expect(fixed.map((i) => i.key)).toEqual(['sla.policies[1].name', 'sla.policies[1].escalations[1].level']);
  });
});

describe('parseSlaConfig', () => {
  it('merges configured calendars over the built-in ones and keeps the built-in policies', () => {
    const parsed = parseSlaConfig({ calendars: { apac: { timezone: 'Asia/Singapore', hours: { mon: ['09:00-18:00'] } } } });
    expect(Object.keys(parsed.calendars)).toEqual(['default', 'business', 'apac']);
    expect(parsed.calendars.default).toBe(DEFAULT_CALENDARS.default);
    expect(parsed.policies).toBe(DEFAULT_SLA_CONFIG.policies);
  });

  it('throws a ConfigError listing every issue with its key', () => {
    let error: unknown;
    try {
      parseSlaConfig({ policies: [{ name: 'a', match: { priority: ['x'] }, targets: {}, calendar: 'nope' }] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.issues.map((i) => i.key)).toEqual(['sla.policies[0].calendar', 'sla.policies[0].match']);
    expect(e.message).toContain('sla.policies[0].calendar');
  });
});
