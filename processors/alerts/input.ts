// Checks what a processor raises before it becomes an alert: a malformed input is a
// bug in the caller, so it fails loudly (validation_failed naming the field) rather
// than producing a message nobody can read.
import { ALERT_SEVERITIES } from '../../core/config/alerts.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { AlertInput, AlertLink } from './types.ts';

const KIND = /^[a-z][a-z0-9_]{0,63}$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export interface NormalizedInput extends AlertInput {
  details: Record<string, number>;
  labels: Record<string, string>;
  links: AlertLink[];
}

export function normalizeInput(input: AlertInput): NormalizedInput {
  const bad = (field: string, message: string) => new TicketPulseError('validation_failed', `alert ${field}: ${message}`, { field });
  if (input === null || typeof input !== 'object') throw bad('(input)', 'expected an object');
  if (typeof input.kind !== 'string' || !KIND.test(input.kind)) throw bad('kind', `expected lower_snake_case, got ${JSON.stringify(input.kind)}`);
  if (!(ALERT_SEVERITIES as readonly string[]).includes(input.severity)) {
    throw bad('severity', `expected one of ${ALERT_SEVERITIES.join(', ')}, got ${JSON.stringify(input.severity)}`);
  }
  if (typeof input.dedup_key !== 'string' || input.dedup_key.length === 0 || input.dedup_key.length > 512) {
    throw bad('dedup_key', 'expected a non-empty string of at most 512 characters');
  }
  if (!input.subject || typeof input.subject.type !== 'string' || !KIND.test(input.subject.type)) {
    throw bad('subject.type', `expected lower_snake_case, got ${JSON.stringify(input.subject?.type)}`);
  }
  if (typeof input.subject.id !== 'string' || input.subject.id.length === 0 || input.subject.id.length > 256) {
    throw bad('subject.id', 'expected a non-empty string of at most 256 characters');
  }
  if (typeof input.summary !== 'string' || input.summary.trim().length === 0) throw bad('summary', 'expected a non-empty sentence');
  const details: Record<string, number> = {};
  for (const [k, v] of Object.entries(input.details ?? {})) {
    if (!LABEL_NAME.test(k)) throw bad(`details.${k}`, 'invalid name');
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`details.${k}`, `expected a finite number, got ${String(v)}`);
    details[k] = v;
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.labels ?? {})) {
    if (!LABEL_NAME.test(k)) throw bad(`labels.${k}`, 'invalid name');
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw bad(`labels.${k}`, `expected a string, got ${typeof v}`);
    labels[k] = v.slice(0, 512);
  }
  const links: AlertLink[] = [];
  (input.links ?? []).forEach((l, i) => {
    if (!l || typeof l.label !== 'string' || typeof l.url !== 'string' || !/^https?:\/\//.test(l.url)) {
      throw bad(`links[${i}]`, 'expected { label, url } with an http(s) URL');
    }
    links.push({ label: l.label.slice(0, 100), url: l.url });
  });
  return {
    kind: input.kind,
    severity: input.severity,
    dedup_key: input.dedup_key,
    subject: { type: input.subject.type, id: input.subject.id },
    // Chat messages are read on phones: a summary is one sentence, not a report.
    summary: input.summary.trim().slice(0, 1_000),
    details,
    labels,
    links,
  };
}
