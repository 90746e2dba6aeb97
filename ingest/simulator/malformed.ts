// Deliberately broken input, so that every run exercises the dead-letter path the way
// real producers do: truncated writes, proxies answering in HTML, missing ids, wrong
// types, event types from a newer producer, local-time timestamps. No line is blank:
// NDJSON readers skip blank lines, and every malformed line must be counted.
import type { TicketEvent } from '../../core/events/schema.ts';
import type { Rng } from './random.ts';

export const MALFORMED_KINDS = ['not_json', 'missing_event_id', 'csat_wrong_type', 'unknown_type', 'bad_timestamp'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

const NOT_JSON_TEXT = [
  '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
  'ticket updated',
  '\u0000\u0000\u0000',
];
const WRONG_CSAT: readonly unknown[] = ['five', '5', 4.5, true, null];
const UNKNOWN_TYPES = ['ticket_exploded', 'merged', 'Created', 'deleted', 'sla_breached'];
const BAD_TIMESTAMPS = ['26/11/2026 10:15', 'yesterday', '2026-13-45T99:00:00Z', '', '1764151200', '2026-11-26T10:15:00'];

export function malformedLine(ev: TicketEvent, rng: Rng): { line: string; kind: MalformedKind } {
  const kind = rng.pick(MALFORMED_KINDS);
  switch (kind) {
    case 'not_json': {
      const r = rng.next();
      if (r < 0.5) {
        // A write cut short: the most common real-world corruption.
        const full = JSON.stringify(ev);
        return { kind, line: full.slice(0, rng.int(1, full.length - 2)) };
      }
      if (r < 0.7) return { kind, line: `{'event_id': '${ev.event_id}', 'type': '${ev.type}'}` };
      return { kind, line: rng.pick(NOT_JSON_TEXT) };
    }
    case 'missing_event_id': {
      const { event_id: _dropped, ...rest } = ev;
      return { kind, line: JSON.stringify(rest) };
    }
    case 'csat_wrong_type':
      return { kind, line: JSON.stringify({ ...ev, type: 'satisfaction_rated', csat: rng.pick(WRONG_CSAT) }) };
    case 'unknown_type':
      return { kind, line: JSON.stringify({ ...ev, type: rng.pick(UNKNOWN_TYPES) }) };
    case 'bad_timestamp':
      return { kind, line: JSON.stringify({ ...ev, occurred_at: rng.pick(BAD_TIMESTAMPS) }) };
  }
}
