// Compact storage of a generated ticket's future events. A ticket's events wait in
// memory for days of simulated time; as full objects (event, attributes, timestamp and
// id strings) they made garbage collection the simulator's main cost. Here each
// pending event is one packed number plus, for some events, a text or a small extra;
// the TicketEvent object is built only when the event is due.
import { CURRENT_SCHEMA_VERSION, EVENT_TYPES, type EventType, type TicketEvent } from '../../core/events/schema.ts';
import { CATEGORIES, PRIORITIES, STATUSES, TEAMS, type Category, type Priority, type Status, type Team } from './catalogue.ts';
import { isoFromMs } from './iso-time.ts';

export interface EventExtra {
  attrs: Record<string, string> | null;
  body?: string;
  subject?: string;
  csat?: number;
}

export interface TicketRecord {
  seq: number;
  id: string;
  eventIdPrefix: string;
  tenant: string;
  channel: string;
  customerId: string;
  tier: string;
  product: string;
  region: string;
  language: string;
  batch: string | null;
  appVersion: string | null;
  /** occurred_at per event (integer ms), non-decreasing. */
  times: number[];
  /** Packed (agent, team, category, priority, status, type) per event; see pack(). */
  codes: number[];
  /** A string is the event's body; an object carries attributes and other fields. */
  extras: Array<string | EventExtra | null>;
  /** Event-id suffix per position when sorting moved events; null when it is the position. */
  ids: number[] | null;
  /** Next event to emit. */
  cursor: number;
}

const index = <T extends string>(list: readonly T[]) => Object.fromEntries(list.map((v, i) => [v, i])) as Record<T, number>;
const TYPE_INDEX = index(EVENT_TYPES);
const STATUS_INDEX = index(STATUSES);
const PRIORITY_INDEX = index(PRIORITIES);
const CATEGORY_INDEX = index(CATEGORIES);
const TEAM_INDEX = index(TEAMS);

// Mixed radix, most significant first: agent+1 (0 = none), team+1, category, priority, status, type.
const R_TYPE = 16;
const R_STATUS = 8;
const R_PRIORITY = 4;
const R_CATEGORY = 8;
const R_TEAM = 8;

export function pack(
  type: EventType,
  status: Status,
  priority: Priority,
  category: Category,
  team: Team | null,
  agentIndex: number,
): number {
  const teamCode = team === null ? 0 : TEAM_INDEX[team] + 1;
  return (
    ((((agentIndex + 1) * R_TEAM + teamCode) * R_CATEGORY + CATEGORY_INDEX[category]) * R_PRIORITY + PRIORITY_INDEX[priority]) * R_STATUS * R_TYPE +
    STATUS_INDEX[status] * R_TYPE +
    TYPE_INDEX[type]
  );
}

/** Builds the event at position i; `agentIds` maps agent indexes to ids. */
export function materialise(rec: TicketRecord, i: number, agentIds: readonly string[]): TicketEvent {
  let code = rec.codes[i];
  const type = EVENT_TYPES[code % R_TYPE];
  code = Math.floor(code / R_TYPE);
  const status = STATUSES[code % R_STATUS];
  code = Math.floor(code / R_STATUS);
  const priority = PRIORITIES[code % R_PRIORITY];
  code = Math.floor(code / R_PRIORITY);
  const category = CATEGORIES[code % R_CATEGORY];
  code = Math.floor(code / R_CATEGORY);
  const team = code % R_TEAM;
  const agent = Math.floor(code / R_TEAM);

  const ev: TicketEvent = {
    event_id: rec.eventIdPrefix + (rec.ids === null ? i : rec.ids[i]),
    ticket_id: rec.id,
    // Identity cast: TypeBox's deep Static type trips the checker on this literal.
    type: type as TicketEvent['type'],
    occurred_at: isoFromMs(rec.times[i]),
    tenant: rec.tenant,
    channel: rec.channel,
    priority,
    customer_id: rec.customerId,
    customer_tier: rec.tier,
    category,
    product: rec.product,
    region: rec.region,
    status,
  };
  if (team > 0) ev.team = TEAMS[team - 1];
  if (agent > 0) ev.agent_id = agentIds[agent - 1];
  const extra = rec.extras[i];
  let attributes: Record<string, string>;
  if (extra === null) {
    attributes = {};
  } else if (typeof extra === 'string') {
    ev.body = extra;
    attributes = {};
  } else {
    if (extra.subject !== undefined) ev.subject = extra.subject;
    if (extra.body !== undefined) ev.body = extra.body;
    if (extra.csat !== undefined) ev.csat = extra.csat;
    // Copied: the same extra must not be shared with (and mutated by) a consumer.
    attributes = extra.attrs === null ? {} : { ...extra.attrs };
  }
  attributes.language = rec.language;
  if (rec.batch !== null) attributes.product_batch = rec.batch;
  if (rec.appVersion !== null) attributes.app_version = rec.appVersion;
  ev.attributes = attributes;
  ev.schema_version = CURRENT_SCHEMA_VERSION;
  return ev;
}
