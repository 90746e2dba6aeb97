// DingTalk custom robot: a markdown message. With a signing secret the URL carries
// `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)),
// URL-encoded; DingTalk refuses a timestamp more than an hour off, so the signature
// is made at each attempt. Errors come as HTTP 200 with a non-zero errcode.
import { createHmac } from 'node:crypto';
import { neutralizeHtml, truncateBytes } from '../messages/format.ts';
import type { MessageTone } from '../messages/render.ts';
import { interpretErrcode } from './http.ts';
import { IDEMPOTENCY_HEADER, type Notifier } from './types.ts';

const MARK: Record<MessageTone, string> = { critical: '🔴', warning: '🟠', info: '🔵', resolved: '✅', digest: '📋', test: '👋' };

// 130101: sending too fast (20 messages a minute per robot).
const THROTTLED = [130101];
const BUSY = [-1];

// DingTalk renders a small markdown subset and shows backslash escapes literally, so
// text is left as written; only angle brackets, which it would treat as HTML, change.
const plain = neutralizeHtml;

export function dingtalkSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function dingtalkSignedUrl(url: string, secret: string, nowMs: number): string {
  const timestamp = String(nowMs);
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSign(secret, timestamp))}`;
}

export const dingtalkNotifier: Notifier = {
  type: 'dingtalk',
  build(ctx) {
    const m = ctx.rendered;
    const parts = [`### ${MARK[m.tone]} ${plain(m.title)}`, ...m.lines.map(plain)];
    if (m.facts.length) parts.push(m.facts.map((f) => `- **${plain(f.label)}**: ${plain(f.value)}`).join('\n'));
    if (m.list.length) parts.push(m.list.map((l) => `- ${plain(l)}`).join('\n'));
    if (m.links.length) parts.push(m.links.map((l) => `[${plain(l.label)}](${l.url})`).join(' | '));
    // DingTalk highlights an @ only when the mobile number also appears in the text.
    if (ctx.channel.mentions.length) parts.push(ctx.channel.mentions.map((p) => `@${p}`).join(' '));
    parts.push(`> ${plain(m.footer)}`);
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { title: truncateBytes(m.title, 120), text: truncateBytes(parts.join('\n\n'), 18_000) },
      at: { atMobiles: ctx.channel.mentions, isAtAll: ctx.channel.mentionAll },
    });
    const url = ctx.channel.secret ? dingtalkSignedUrl(ctx.channel.url, ctx.channel.secret, ctx.nowMs) : ctx.channel.url;
    return { url, headers: { 'content-type': 'application/json; charset=utf-8', [IDEMPOTENCY_HEADER]: ctx.idempotencyKey }, body };
  },
  interpret: (res, nowMs, maxRetryAfterMs) => interpretErrcode(res, nowMs, maxRetryAfterMs, THROTTLED, BUSY),
};
