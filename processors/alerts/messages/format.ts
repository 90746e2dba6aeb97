// Numbers and times as a person reads them in a chat message.
import { DateTime } from 'luxon';
import type { AlertLanguage } from '../../../core/config/alerts.ts';

export function formatNumber(n: number, language: AlertLanguage, maxFractionDigits = 1): string {
  return n.toLocaleString(language === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: maxFractionDigits });
}

/** '2026-03-01 14:05 UTC' (or the configured zone's name). */
export function formatTime(ms: number, timezone: string): string {
  const dt = DateTime.fromMillis(ms, { zone: timezone });
  const zone = timezone === 'UTC' ? 'UTC' : `(${timezone})`;
  return `${dt.toFormat('yyyy-MM-dd HH:mm')} ${zone}`;
}

/** Angle brackets as full-width look-alikes: robot markdown would read them as markup. */
export function neutralizeHtml(text: string): string {
  return text.replace(/[<>]/g, (c) => (c === '<' ? '＜' : '＞'));
}

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateBytes(text: string, maxBytes: number, marker = '…'): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(marker, 'utf8');
  let end = Math.max(0, room);
  // Step back to a character boundary (continuation bytes are 10xxxxxx).
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8') + marker;
}
