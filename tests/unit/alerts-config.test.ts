// The alerts config section: defaults, and every mistake named by its key.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/index.ts';
import { parseAlertsConfig, resolveChannels, validateAlertsConfig } from '../../processors/alerts/index.ts';

describe('alerts config', () => {
  it('runs on defaults: enabled, English, no channels, sensible delivery policy', () => {
    const c = parseAlertsConfig(undefined);
    expect(c).toMatchObject({ enabled: true, language: 'en', timezone: 'UTC', renotifyMinutes: 240, cooldownMinutes: 15, channels: {}, routes: [] });
    expect(c.delivery).toMatchObject({ maxAttempts: 8, retryBaseMs: 2_000, timeoutMs: 10_000 });
    expect(c.rateLimit).toEqual({ maxMessages: 20, windowSeconds: 60 });
  });

  it('names every problem by its key', () => {
    const issues = validateAlertsConfig(
      {
        language: 'fr',
        timezone: 'Mars/Olympus',
        channels: {
          slack: { type: 'slack', url: 'https://hooks.slack.com/x', secret: 'nope' },
          ding: { type: 'dingtalk' },
          bad: { type: 'teams', url: 'https://x' },
          typo: { type: 'webhook', url: 'ftp://x', secrte: 'x' },
          env: { type: 'wecom', urlEnv: 'WECOM_URL' },
        },
        routes: [
          { channels: ['slack', 'pager'] },
          { match: { severity: ['fatal'] }, channels: ['slack'] },
          { channels: ['slack'], escalate: [{ afterMinutes: 60, channels: ['boss'] }] },
        ],
      },
      { env: {} },
    );
    const byKey = Object.fromEntries(issues.map((i) => [i.key, i.message]));
    expect(byKey['alerts.language']).toMatch(/must be one of en, zh, got "fr"/);
    expect(byKey['alerts.timezone']).toMatch(/unknown IANA time zone/);
    expect(byKey['alerts.channels.slack.secret']).toMatch(/authenticated by their URL/);
    expect(byKey['alerts.channels.ding.url']).toMatch(/needs 'url'/);
    expect(byKey['alerts.channels.bad.type']).toMatch(/must be one of webhook, slack, dingtalk, wecom/);
    expect(byKey['alerts.channels.typo.secrte']).toMatch(/unknown key/);
    expect(byKey['alerts.channels.env.urlEnv']).toMatch(/WECOM_URL is not set/);
    expect(byKey['alerts.routes[0].channels[1]']).toMatch(/unknown channel "pager"; defined channels: slack, ding, bad, typo, env/);
    expect(byKey['alerts.routes[1].match.severity[0]']).toMatch(/must be one of info, warning, critical/);
    expect(byKey['alerts.routes[2].escalate[0].channels[0]']).toMatch(/unknown channel "boss"/);
    expect(() => parseAlertsConfig({ language: 'fr' })).toThrow(ConfigError);
  });

  it('reads URLs and secrets from the environment when asked, and applies per-channel overrides', () => {
    const env = { DING_URL: 'https://oapi.dingtalk.com/robot/send?access_token=t', DING_SECRET: 'SECxyz' };
    const c = parseAlertsConfig(
      {
        language: 'zh',
        rateLimit: { maxMessages: 5 },
        channels: { ding: { type: 'dingtalk', urlEnv: 'DING_URL', secretEnv: 'DING_SECRET', rateLimit: { maxMessages: 20, windowSeconds: 60 } }, hook: { type: 'webhook', url: 'https://x/h', language: 'en' } },
        routes: [{ channels: ['ding', 'hook'] }],
      },
      { env },
    );
    const ch = resolveChannels(c, env);
    expect(ch.get('ding')).toMatchObject({ url: env.DING_URL, secret: 'SECxyz', language: 'zh', rateLimit: { maxMessages: 20, windowSeconds: 60 } });
    expect(ch.get('hook')).toMatchObject({ secret: null, language: 'en', rateLimit: { maxMessages: 5, windowSeconds: 60 } });
  });
});
