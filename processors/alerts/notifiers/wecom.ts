// WeCom (企业微信) group robot: a markdown message of at most 4096 bytes. Mentions in
// markdown are <@userid>. Errors come as HTTP 200 with a non-zero errcode.
import { neutralizeHtml, truncateBytes } from '../messages/format.ts';
import type { MessageTone } from '../messages/render.ts';
import { interpretErrcode } from './http.ts';
import { IDEMPOTENCY_HEADER, type Notifier } from './types.ts';

// WeCom markdown knows three colours: info (green), comment (grey), warning (orange-red).
const COLOUR: Record<MessageTone, 'info' | 'comment' | 'warning'> = {
  critical: 'warning',
  warning: 'warning',
  info: 'comment',
  resolved: 'info',
  digest: 'warning',
  test: 'info',
};

// 45009: API frequency limit (20 messages a minute per robot). -1: system busy.
const THROTTLED = [45009];
const BUSY = [-1];
export const WECOM_MAX_BYTES = 4096;

/** WeCom renders markdown as-is; angle brackets would start its <font>/<@> markup. */
const plain = neutralizeHtml;

export const wecomNotifier: Notifier = {
  type: 'wecom',
  build(ctx) {
    const m = ctx.rendered;
    const [tag, ...rest] = m.title.split(' ');
    const lines = [`### <font color="${COLOUR[m.tone]}">${plain(tag)}</font> ${plain(rest.join(' '))}`, ...m.lines.map(plain)];
    for (const f of m.facts) lines.push(`> **${plain(f.label)}**: ${plain(f.value)}`);
    for (const l of m.list) lines.push(`- ${plain(l)}`);
    if (m.links.length) lines.push(m.links.map((l) => `[${plain(l.label)}](${l.url})`).join(' | '));
    const mentions = [...ctx.channel.mentions.map((u) => `<@${u}>`), ...(ctx.channel.mentionAll ? ['<@all>'] : [])];
    if (mentions.length) lines.push(mentions.join(' '));
    lines.push(`<font color="comment">${plain(m.footer)}</font>`);
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { content: truncateBytes(lines.join('\n'), WECOM_MAX_BYTES) } });
    return { url: ctx.channel.url, headers: { 'content-type': 'application/json; charset=utf-8', [IDEMPOTENCY_HEADER]: ctx.idempotencyKey }, body };
  },
  interpret: (res, nowMs, maxRetryAfterMs) => interpretErrcode(res, nowMs, maxRetryAfterMs, THROTTLED, BUSY),
};
