// Each notifier against its vendor's documented format, signatures checked with an
// independent implementation (node:crypto here, and a vector computed with Python's
// hmac module for DingTalk), and a round trip through a local HTTP receiver.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_HEADER,
  NOTIFIERS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  dingtalkSign,
  renderMessage,
  sendMessage,
  WECOM_MAX_BYTES,
  type AlertRecord,
  type NotificationMessage,
  type ResolvedChannel,
  webhookSignature,
} from '../../processors/alerts/index.ts';
import { ROBOT_OK, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const NOW = Date.UTC(2026, 2, 2, 9, 0, 0);

function channel(over: Partial<ResolvedChannel>): ResolvedChannel {
  return {
    name: 'test',
    type: 'webhook',
    url: 'https://example.invalid/hook',
    secret: null,
    language: 'en',
    headers: {},
    mentions: [],
    mentionAll: false,
    rateLimit: { maxMessages: 20, windowSeconds: 60 },
    timeoutMs: 5_000,
    ...over,
  };
}

const alert: AlertRecord = {
  id: '7f0c2a4e-1111-4222-8333-944445555666',
  version: NOW * 1000,
  event: 'fired',
  actor: '',
  note: '',
  dedup_key: 'sla_breached:T-1042:first_response',
  kind: 'sla_breached',
  severity: 'critical',
  state: 'firing',
  subject_type: 'ticket',
  subject_id: 'T-1042',
  summary: 'First response on T-1042 is 17 min overdue <urgent> & VIP',
  details: { target_minutes: 30, elapsed_minutes: 47, overdue_minutes: 17 },
  labels: { team: 'billing', priority: 'urgent', tier: 'vip', metric: 'first_response' },
  links: [{ label: 'ticket', url: 'https://desk.example.com/tickets/T-1042' }],
  fired_at: NOW,
  last_seen_at: NOW,
  updated_at: NOW,
  acknowledged_at: null,
  acknowledged_by: '',
  resolved_at: null,
  resolved_by: '',
  resolution: '',
  escalation_level: 1,
  notifications: 1,
  occurrences: 1,
  last_notified_at: NOW,
  last_notification: 'fired',
  next_notify_at: null,
};
const message: NotificationMessage = { type: 'alert', notification: 'fired', alert, escalation_level: 1 };

function build(ch: ResolvedChannel, msg: NotificationMessage = message, nowMs = NOW) {
  const rendered = renderMessage(msg, { language: ch.language, timezone: 'UTC' });
  return NOTIFIERS[ch.type].build({ channel: ch, idempotencyKey: `${alert.id}:test:1`, nowMs, message: msg, rendered });
}

describe('generic webhook', () => {
  const ch = channel({ type: 'webhook', secret: 'whsec', headers: { Authorization: 'Bearer t0k' } });

  it('sends the alert as JSON with timestamp, idempotency key and an HMAC-SHA256 signature over timestamp.body', () => {
    const req = build(ch);
    const timestamp = req.headers[TIMESTAMP_HEADER];
    expect(timestamp).toBe(String(NOW / 1000));
    const expected = createHmac('sha256', 'whsec').update(`${timestamp}.${req.body}`).digest('hex');
    expect(req.headers[SIGNATURE_HEADER]).toBe(`sha256=${expected}`);
    expect(req.headers[IDEMPOTENCY_HEADER]).toBe(`${alert.id}:test:1`);
    expect(req.headers.Authorization).toBe('Bearer t0k');
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      version: 1,
      type: 'alert',
      notification: 'fired',
      idempotency_key: `${alert.id}:test:1`,
      channel: 'test',
      escalation_level: 1,
      digest: null,
      alert: { id: alert.id, kind: 'sla_breached', severity: 'critical', state: 'firing', subject: { type: 'ticket', id: 'T-1042' }, details: alert.details },
    });
    expect(body.title).toBe('[CRITICAL] SLA breached: first response — ticket T-1042');
    expect(body.text).toContain('Overdue by: 17 min');
  });

  it('signs like Python hmac for a fixed body (the production signer, and the header the notifier sends)', () => {
    // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec', b'1772442000.{\"a\":1}', hashlib.sha256).hexdigest())"
    const python = 'sha256=247d5f10f9e6e671c3096fdb57b07861758775f79b1914dd89e88a3ce670cac6';
    expect(webhookSignature('whsec', '1772442000', '{"a":1}')).toBe(python);
    // The header the notifier sends is that signer over its own timestamp and body.
    const req = build(ch, message, 1772442000_000);
    expect(req.headers[TIMESTAMP_HEADER]).toBe('1772442000');
    expect(req.headers[SIGNATURE_HEADER]).toBe(webhookSignature('whsec', '1772442000', req.body));
  });

  it('keeps the body byte-identical across attempts; only the timestamp and signature move', () => {
    const a = build(ch, message, NOW);
    const b = build(ch, message, NOW + 90_000);
    expect(b.body).toBe(a.body);
    expect(b.headers[TIMESTAMP_HEADER]).not.toBe(a.headers[TIMESTAMP_HEADER]);
    expect(b.headers[SIGNATURE_HEADER]).not.toBe(a.headers[SIGNATURE_HEADER]);
  });

  it('sends no signature without a secret', () => {
    expect(build(channel({ type: 'webhook' })).headers[SIGNATURE_HEADER]).toBeUndefined();
  });
});

describe('Slack incoming webhook', () => {
  const ch = channel({ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x', mentions: ['U024BE7LH'] });

  it('is a Block Kit message with a fallback text, within Slack limits, with mrkdwn specials escaped', () => {
    const body = JSON.parse(build(ch).body);
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(body.text).toContain('SLA breached: first response — ticket T-1042');
    const types = body.blocks.map((b: { type: string }) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'actions', 'context']);
    const [header, text, fields, actions, context] = body.blocks;
    expect(header.text).toEqual({ type: 'plain_text', text: ':red_circle: [CRITICAL] SLA breached: first response — ticket T-1042', emoji: true });
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(text.text.type).toBe('mrkdwn');
    expect(text.text.text).toContain('17 min overdue &lt;urgent&gt; &amp; VIP');
    expect(text.text.text).toContain('<@U024BE7LH>');
    expect(fields.fields.length).toBeLessThanOrEqual(10);
    for (const f of fields.fields) expect(f).toEqual({ type: 'mrkdwn', text: expect.stringMatching(/^\*.+\*\n.+/) });
    expect(fields.fields).toContainEqual({ type: 'mrkdwn', text: '*Target*\n30 min' });
    expect(actions.elements).toEqual([{ type: 'button', text: { type: 'plain_text', text: 'Open ticket' }, url: 'https://desk.example.com/tickets/T-1042' }]);
    expect(context.elements[0].type).toBe('mrkdwn');
  });
});

describe('DingTalk custom robot', () => {
  const ch = channel({ type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SEC000000000000000000000', language: 'zh', mentions: ['13800000000'] });

  it('signs like the vector computed with Python: base64(HMAC-SHA256(secret, timestamp\\nsecret)), URL-encoded', () => {
    // python3: base64.b64encode(hmac.new(secret, (ts + '\n' + secret), sha256).digest())
    expect(dingtalkSign('SEC000000000000000000000', '1772442000003')).toBe('59Xj6uOn9k/hvz3LwkAb0C+hlIAmsIRc4utva7ttc8A=');
    const req = build(ch, message, 1772442000003);
    expect(req.url).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1772442000003&sign=59Xj6uOn9k%2Fhvz3LwkAb0C%2BhlIAmsIRc4utva7ttc8A%3D');
  });

  it('verifies with node:crypto for the current time too', () => {
    const req = build(ch, message, NOW);
    const url = new URL(req.url);
    const ts = url.searchParams.get('timestamp')!;
    expect(ts).toBe(String(NOW));
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', ch.secret!).update(`${ts}\n${ch.secret}`).digest('base64'));
    expect(url.searchParams.get('access_token')).toBe('abc');
  });

  it('is a markdown message with title, text and @ mentions (the mobile also in the text)', () => {
    const body = JSON.parse(build(ch).body);
    expect(Object.keys(body).sort()).toEqual(['at', 'markdown', 'msgtype']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('[严重] SLA 已超时：首次响应 — 工单 T-1042');
    expect(body.markdown.text).toMatch(/^### 🔴 \[严重\] SLA 已超时：首次响应 — 工单 T-1042\n/);
    const tricky: NotificationMessage = { ...message, alert: { ...alert, labels: { ...alert.labels, team: 'ops <font color="info">' } } };
    expect(JSON.parse(build(ch, tricky).body).markdown.text).toContain('- **团队**: ops ＜font color="info"＞');
    expect(body.markdown.text).toContain('- **已超时**: 17分钟');
    expect(body.markdown.text).toContain('[打开工单](https://desk.example.com/tickets/T-1042)');
    expect(body.markdown.text).toContain('@13800000000');
    expect(body.at).toEqual({ atMobiles: ['13800000000'], isAtAll: false });
  });

  it('leaves the URL alone without a secret', () => {
    expect(build({ ...ch, secret: null }).url).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc');
  });
});

describe('WeCom group robot', () => {
  const ch = channel({ type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', language: 'zh', mentions: ['zhangsan'] });

  it('is a markdown message with coloured severity and <@userid> mentions', () => {
    const body = JSON.parse(build(ch).body);
    expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype']);
    expect(body.msgtype).toBe('markdown');
    expect(Object.keys(body.markdown)).toEqual(['content']);
    expect(body.markdown.content).toMatch(/^### <font color="warning">\[严重\]<\/font> SLA 已超时：首次响应 — 工单 T-1042\n/);
    expect(body.markdown.content).toContain('> **目标时长**: 30分钟');
    expect(body.markdown.content).toContain('<@zhangsan>');
    // Text from events (a team name here) cannot inject markup.
    const tricky: NotificationMessage = { ...message, alert: { ...alert, labels: { ...alert.labels, team: 'ops <@all>' } } };
    const content = JSON.parse(build(ch, tricky).body).markdown.content as string;
    expect(content).toContain('> **团队**: ops ＜@all＞');
    expect(content).not.toContain('<@all>');
  });

  it('stays within 4096 bytes even for a long digest in Chinese', () => {
    const digest: NotificationMessage = {
      type: 'digest',
      notification: 'digest',
      digest: {
        channel: 'ops',
        total: 9_981,
        first_at: NOW,
        last_at: NOW + 60_000,
        by_severity: { critical: 9_000, warning: 981 },
        by_kind: [{ kind: 'sla_breached', count: 9_981 }],
        by_team: [{ team: 'billing', count: 5_000 }],
        by_notification: { fired: 9_981 },
        items: Array.from({ length: 100 }, (_, i) => ({
          alert_id: `a${i}`,
          kind: 'sla_breached',
          severity: 'critical' as const,
          notification: 'fired' as const,
          subject_type: 'ticket',
          subject_id: `T-${'9'.repeat(40)}${i}`,
          summary: '超时',
          team: '账单与退款团队',
          metric: 'first_response',
        })),
        links: [],
      },
    };
    const content = JSON.parse(build(ch, digest).body).markdown.content as string;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(content.endsWith('…')).toBe(true);
  });
});

describe('reading answers', () => {
  const res = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, body, header: (n: string) => headers[n.toLowerCase()] ?? null });
  const ms = 3_600_000;

  it('HTTP: 2xx ok; 429 and 5xx retriable with Retry-After (seconds or date); other 4xx permanent', () => {
    const i = NOTIFIERS.slack.interpret;
    expect(i(res(200, 'ok'), NOW, ms)).toEqual({ ok: true, status: 200 });
    expect(i(res(429, 'rate_limited', { 'retry-after': '7' }), NOW, ms)).toMatchObject({ ok: false, retriable: true, retryAfterMs: 7_000 });
    expect(i(res(503, '', { 'retry-after': new Date(NOW + 30_000).toUTCString() }), NOW, ms)).toMatchObject({ retriable: true, retryAfterMs: 30_000 });
    expect(i(res(429, '', { 'retry-after': '86400' }), NOW, ms)).toMatchObject({ retryAfterMs: ms });
    expect(i(res(500), NOW, ms)).toMatchObject({ retriable: true, retryAfterMs: null });
    expect(i(res(400, 'invalid_payload'), NOW, ms)).toEqual({ ok: false, retriable: false, status: 400, retryAfterMs: null, error: 'HTTP 400: invalid_payload' });
    expect(i(res(404, 'channel_not_found'), NOW, ms)).toMatchObject({ retriable: false });
  });

  it('DingTalk and WeCom: errcode 0 ok, throttling retried in a minute, anything else permanent', () => {
    const d = NOTIFIERS.dingtalk.interpret;
    const w = NOTIFIERS.wecom.interpret;
    expect(d(res(200, ROBOT_OK), NOW, ms)).toEqual({ ok: true, status: 200 });
    expect(d(res(200, '{"errcode":130101,"errmsg":"send too fast"}'), NOW, ms)).toMatchObject({ ok: false, retriable: true, retryAfterMs: 60_000 });
    expect(d(res(200, '{"errcode":310000,"errmsg":"sign not match"}'), NOW, ms)).toMatchObject({ ok: false, retriable: false, error: 'errcode 310000: sign not match' });
    expect(w(res(200, ROBOT_OK), NOW, ms)).toEqual({ ok: true, status: 200 });
    expect(w(res(200, '{"errcode":45009,"errmsg":"api freq out of limit"}'), NOW, ms)).toMatchObject({ retriable: true, retryAfterMs: 60_000 });
    expect(w(res(200, '{"errcode":93000,"errmsg":"invalid webhook url"}'), NOW, ms)).toMatchObject({ retriable: false });
    expect(w(res(200, '<html>proxy</html>'), NOW, ms)).toMatchObject({ ok: false, retriable: true });
    expect(w(res(502), NOW, ms)).toMatchObject({ ok: false, retriable: true });
  });
});

describe('over HTTP to a local receiver', () => {
  let plain: WebhookReceiver;
  let robot: WebhookReceiver;
  beforeAll(async () => {
    plain = await startWebhookReceiver();
    robot = await startWebhookReceiver({ successBody: ROBOT_OK });
  });
  afterAll(async () => {
    await plain?.close();
    await robot?.close();
  });

  it.each(['webhook', 'slack', 'dingtalk', 'wecom'] as const)('%s: delivered, and what arrived is what was built', async (type) => {
    const receiver = type === 'dingtalk' || type === 'wecom' ? robot : plain;
    const ch = channel({ type, url: `${receiver.url}?access_token=x`, secret: type === 'webhook' || type === 'dingtalk' ? 'SECabc' : null });
    const before = receiver.requests.length;
    const outcome = await sendMessage(ch, message, `${alert.id}:${type}:1`, Date.now(), { fetch, timezone: 'UTC', maxRetryAfterMs: 60_000 });
    expect(outcome).toEqual({ ok: true, status: 200 });
    const got = receiver.requests[before];
    expect(got.method).toBe('POST');
    expect(got.key).toBe(`${alert.id}:${type}:1`);
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    if (type === 'webhook') {
      const sig = createHmac('sha256', 'SECabc').update(`${got.headers['x-ticketpulse-timestamp']}.${got.body}`).digest('hex');
      expect(got.headers['x-ticketpulse-signature']).toBe(`sha256=${sig}`);
    }
    if (type === 'dingtalk') {
      const ts = got.query.get('timestamp')!;
      expect(got.query.get('sign')).toBe(createHmac('sha256', 'SECabc').update(`${ts}\nSECabc`).digest('base64'));
    }
    expect(got.json).toBeTypeOf('object');
  });
});
