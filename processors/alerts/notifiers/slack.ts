// Slack incoming webhook: a Block Kit message (header, text, fields, buttons, context)
// with `text` as the notification fallback. Slack answers "ok", or 4xx with an error
// word (invalid_payload, channel_not_found …) that retrying will not fix, or 429.
import { escapeSlack } from '../messages/format.ts';
import type { MessageTone } from '../messages/render.ts';
import { interpretStatus } from './http.ts';
import { IDEMPOTENCY_HEADER, type Notifier } from './types.ts';

const EMOJI: Record<MessageTone, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
  resolved: ':white_check_mark:',
  digest: ':bookmark_tabs:',
  test: ':wave:',
};

// Block Kit limits: header 150 chars, section text 3000, 10 fields of 2000, button text 75.
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export const slackNotifier: Notifier = {
  type: 'slack',
  build(ctx) {
    const m = ctx.rendered;
    const mentions = [...ctx.channel.mentions.map((u) => `<@${u}>`), ...(ctx.channel.mentionAll ? ['<!channel>'] : [])];
    const text = [...m.lines.map(escapeSlack), ...(mentions.length ? [mentions.join(' ')] : [])].join('\n');
    const blocks: unknown[] = [
      { type: 'header', text: { type: 'plain_text', text: cut(`${EMOJI[m.tone]} ${m.title}`, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(text, 3000) } },
    ];
    if (m.facts.length > 0) {
      blocks.push({
        type: 'section',
        fields: m.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: cut(`*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}`, 2000) })),
      });
    }
    if (m.list.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(m.list.map((l) => `• ${escapeSlack(l)}`).join('\n'), 3000) } });
    if (m.links.length > 0) {
      blocks.push({
        type: 'actions',
        elements: m.links.slice(0, 5).map((l) => ({ type: 'button', text: { type: 'plain_text', text: cut(l.label, 75) }, url: l.url })),
      });
    }
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(escapeSlack(m.footer), 3000) }] });
    const body = JSON.stringify({ text: cut(`${m.title}${mentions.length ? ` ${mentions.join(' ')}` : ''}`, 3000), blocks });
    return { url: ctx.channel.url, headers: { 'content-type': 'application/json; charset=utf-8', [IDEMPOTENCY_HEADER]: ctx.idempotencyKey }, body };
  },
  interpret: interpretStatus,
};
