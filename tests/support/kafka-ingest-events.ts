// Event fixtures for the Kafka ingest tests and the ingest benchmark: valid events of
// a realistic size (~340 bytes, like the simulator's), malformed messages of every
// kind the consumer must dead-letter, and NDJSON files for the broker's preload.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const TYPES = ['created', 'assigned', 'agent_replied', 'customer_replied', 'status_changed', 'resolved', 'closed'] as const;
const CHANNELS = ['chat', 'phone', 'email', 'social', 'web'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const TIERS = ['free', 'pro', 'enterprise'] as const;
const TEAMS = ['billing', 'tech', 'accounts', 'shipping'] as const;
const CATEGORIES = ['refund', 'login', 'delivery', 'invoice', 'bug'] as const;
const PRODUCTS = ['router-x2', 'phone-s9', 'cloud-pro', 'watch-3'] as const;
const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
const STATUSES = ['open', 'pending', 'solved'] as const;
const SUBJECTS = ['Refund missing', 'Cannot log in', 'Parcel delayed', 'Wrong VAT', 'App crashes'];

const BASE_MS = Date.UTC(2026, 9, 1);

/** A valid event of ~340 bytes, deterministic in `i`; `run` keeps ids unique per test. */
export function benchEvent(i: number, run = 'r'): Record<string, unknown> {
  const ticket = Math.floor(i / 6);
  return {
    event_id: `${run}-${i.toString(36).padStart(8, '0')}`,
    ticket_id: `T-${ticket}`,
    type: TYPES[i % TYPES.length],
    occurred_at: new Date(BASE_MS + i * 250).toISOString(),
    channel: CHANNELS[ticket % CHANNELS.length],
    priority: PRIORITIES[ticket % PRIORITIES.length],
    customer_id: `C-${ticket % 5000}`,
    customer_tier: TIERS[ticket % TIERS.length],
    team: TEAMS[ticket % TEAMS.length],
    agent_id: `A-${i % 40}`,
    category: CATEGORIES[ticket % CATEGORIES.length],
    product: PRODUCTS[ticket % PRODUCTS.length],
    region: REGIONS[ticket % REGIONS.length],
    status: STATUSES[i % STATUSES.length],
    subject: SUBJECTS[ticket % SUBJECTS.length],
    body: `Order ${1000 + (i % 977)} please`,
  };
}

export type MalformedKind = 'not_json' | 'not_utf8' | 'wrong_schema' | 'oversize' | 'empty_value' | 'unknown_type';

export interface Malformed {
  kind: MalformedKind;
  /** null: a tombstone (a key with no value). */
  value: Buffer | null;
  /** The reason the consumer must record in dead_letters. */
  reason: string;
}

export const MALFORMED_KINDS: readonly MalformedKind[] = ['not_json', 'not_utf8', 'wrong_schema', 'oversize', 'empty_value', 'unknown_type'];

/** Malformed message number `i` of `kind` (default: each kind in turn); every value is unique. */
export function malformedMessage(i: number, run = 'bad', kind: MalformedKind = MALFORMED_KINDS[i % MALFORMED_KINDS.length]): Malformed {
  switch (kind) {
    case 'not_json':
      return { kind, value: Buffer.from(`{"event_id": "${run}-${i}", oops`), reason: 'invalid_json' };
    case 'not_utf8':
      return { kind, value: Buffer.concat([Buffer.from(`{"event_id":"${run}-${i}","x":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), reason: 'invalid_utf8' };
    case 'wrong_schema':
      return { kind, value: Buffer.from(JSON.stringify({ event_id: `${run}-${i}`, ticket_id: 'T-1', type: 'created' })), reason: 'missing_field' };
    case 'oversize':
      // Over the 256 KiB event limit, well under Kafka's 1 MB message limit.
      return { kind, value: Buffer.from(JSON.stringify({ ...benchEvent(i, run), body: 'x'.repeat(260 * 1024) })), reason: 'too_large' };
    case 'empty_value':
      return { kind, value: null, reason: 'empty' };
    case 'unknown_type':
      return { kind, value: Buffer.from(JSON.stringify({ ...benchEvent(i, run), type: 'teleported' })), reason: 'unknown_event_type' };
  }
}

/** Writes events `from..to-1` as NDJSON (key field: ticket_id). */
export async function writeEventsNdjson(path: string, from: number, to: number, run: string): Promise<number> {
  const out = createWriteStream(path);
  let chunk: string[] = [];
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const line = JSON.stringify(benchEvent(i, run));
    bytes += line.length + 1;
    chunk.push(line);
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return bytes;
}
