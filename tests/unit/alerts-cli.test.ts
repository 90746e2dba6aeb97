// `ticketpulse alerts test <channel>`, against a local receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { alertsTestCommand, registerAlertsCommand } from '../../cli/commands/alerts.ts';
import { alertsConfig } from '../support/alerts-fixtures.ts';
import { ROBOT_OK, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let robot: WebhookReceiver;
beforeAll(async () => {
  robot = await startWebhookReceiver({ successBody: ROBOT_OK });
});
afterAll(async () => robot?.close());

describe('alerts test <channel>', () => {
  it('sends a test message in the channel language and reports the answer', async () => {
    const cfg = alertsConfig({ channels: { ding: { type: 'dingtalk', url: `${robot.url}?access_token=t`, secret: 'SECtest', language: 'zh' } } });
    let out = '';
    const r = await alertsTestCommand(cfg, 'ding', (s) => (out += s));
    expect(r).toMatchObject({ ok: true, status: 200, type: 'dingtalk' });
    expect(out).toMatch(/^test message delivered to ding \(dingtalk\): HTTP 200 in \d+ ms\n$/);
    const body = robot.requests.at(-1)!.json as { msgtype: string; markdown: { title: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('[测试] TicketPulse 测试消息（通道 ding）');
    expect(robot.requests.at(-1)!.query.get('sign')).toBeTruthy();
  });

  it('reports a refusal with the receiver\'s reason', async () => {
    robot.respond({ status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' });
    const cfg = alertsConfig({ channels: { ding: { type: 'dingtalk', url: robot.url } } });
    let out = '';
    const r = await alertsTestCommand(cfg, 'ding', (s) => (out += s));
    expect(r.ok).toBe(false);
    expect(out).toMatch(/failed after \d+ ms: errcode 310000: keywords not in content/);
  });

  it('names the configured channels when the one asked for does not exist', async () => {
    const cfg = alertsConfig({ channels: { ops: { type: 'webhook', url: robot.url } } });
    await expect(alertsTestCommand(cfg, 'slack', () => undefined)).rejects.toThrow(/no alert channel "slack"; configured channels: ops/);
  });

  it('registers as `alerts test <channel>`', () => {
    const program = new Command('ticketpulse');
    registerAlertsCommand(program);
    const alerts = program.commands.find((c) => c.name() === 'alerts');
    const test = alerts?.commands.find((c) => c.name() === 'test');
    expect(test?.registeredArguments.map((a) => a.name())).toEqual(['channel']);
  });
});
