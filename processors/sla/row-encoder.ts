// ticket_sla rows → JSONCompactEachRow bytes, written straight into Buffers. A backfill
// encodes millions of rows: building a string per row (JSON.stringify, or template
// literals) and then copying it into the insert payload cost more CPU than computing
// the clocks, most of it in the garbage collector. Here numbers become digits in
// place, and the short strings that repeat (dimensions, policies, level names, states)
// are quoted and encoded once.
import type { SlaRow } from './rows.ts';

const COMMA = 44;
const OPEN = 91;
const CLOSE = 93;
const NEWLINE = 10;
const NULL_BYTES = Buffer.from('null');
const CACHE_MAX = 50_000;
// Printable ASCII without '"' and '\': needs no escaping and is one byte a character.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

// Columns whose value usually repeats from one row to the next (the three rows of a
// ticket share its dimensions; a chunk shares its version and computation time): the
// encoder remembers each one's last value and bytes, and copies them when they repeat.
const S_METRIC = 0;
const S_SOURCE = 1;
const S_TENANT = 2;
const S_TEAM = 3;
const S_PRIORITY = 4;
const S_CATEGORY = 5;
const S_CHANNEL = 6;
const S_TIER = 7;
const S_STATUS = 8;
const S_POLICY = 9;
const S_CALENDAR = 10;
const S_STATE = 11;
const S_CLOCK = 12;
const S_MET_BY = 13;
const STRING_SLOTS = 14;
const T_VERSION = 0;
const T_COMPUTED = 1;
const T_EVALUATED = 2;
const T_CREATED = 3;
const TIME_SLOTS = 4;

export class RowEncoder {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private off = 0;
  private readonly quoted = new Map<string, Buffer>();
  private readonly lastStr: Array<string | null> = new Array<string | null>(STRING_SLOTS).fill(null);
  private readonly lastStrBytes: Buffer[] = new Array<Buffer>(STRING_SLOTS).fill(NULL_BYTES);
  private readonly lastInt: number[] = new Array<number>(TIME_SLOTS).fill(-1);
  private readonly lastIntAt: number[] = new Array<number>(TIME_SLOTS).fill(-1);
  private readonly lastIntLen: number[] = new Array<number>(TIME_SLOTS).fill(0);
  private dimsAt = -1;
  private dimsLen = 0;
  /** Buffers started so far: remembered offsets are only valid within one. */
  private switches = 0;

  /** `capacityBytes`: the expected payload size; one buffer of it avoids copying chunks together at the end. */
  constructor(private readonly capacityBytes = 4 << 20) {
    this.buf = Buffer.allocUnsafe(capacityBytes);
  }

  /** Appends one row as a line (JSONCompactEachRow, SLA_ROW_COLUMNS order). */
  row(r: SlaRow): void {
    // Short fields need no check of their own: every string write leaves 1 KiB of room after it.
    this.ensure(1024);
    this.byte(OPEN);
    this.free(r.ticket_id);
    this.sep();
    this.slot(S_METRIC, r.metric);
    this.sep();
    this.repeatInt(T_VERSION, r.version);
    this.sep();
    this.repeatInt(T_COMPUTED, Math.round(r.computed_at));
    this.sep();
    this.repeatInt(T_EVALUATED, Math.round(r.evaluated_at));
    this.sep();
    this.slot(S_SOURCE, r.source);
    this.sep();
    this.repeatInt(T_CREATED, Math.round(r.created_at));
    this.sep();
    this.dimensions(r);
    this.slot(S_POLICY, r.policy);
    this.sep();
    this.slot(S_CALENDAR, r.calendar);
    this.sep();
    this.slot(S_STATE, r.state);
    this.sep();
    this.slot(S_CLOCK, r.clock);
    this.sep();
    this.num(r.target_minutes);
    this.sep();
    this.num(r.elapsed_minutes);
    this.sep();
    this.num(r.paused_minutes);
    this.sep();
    this.time(r.started_at);
    this.sep();
    this.time(r.deadline);
    this.sep();
    this.time(r.breached_at);
    this.sep();
    this.time(r.met_at);
    this.sep();
    this.slot(S_MET_BY, r.met_by);
    this.sep();
    this.time(r.decided_at);
    const risk = r.at_risk;
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < risk.length; i++) {
      if (i > 0) this.sep();
      this.str(risk[i].name);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < risk.length; i++) {
      if (i > 0) this.sep();
      this.time(risk[i].at);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < risk.length; i++) {
      if (i > 0) this.sep();
      this.byte(risk[i].reached ? 49 : 48);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < risk.length; i++) {
      if (i > 0) this.sep();
      this.num(risk[i].threshold_minutes);
    }
    this.byte(CLOSE);
    const esc = r.escalations;
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < esc.length; i++) {
      if (i > 0) this.sep();
      this.int(esc[i].level);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < esc.length; i++) {
      if (i > 0) this.sep();
      this.str(esc[i].notify);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < esc.length; i++) {
      if (i > 0) this.sep();
      this.time(esc[i].due_at);
    }
    this.byte(CLOSE);
    this.sep();
    this.byte(OPEN);
    for (let i = 0; i < esc.length; i++) {
      if (i > 0) this.sep();
      this.str(esc[i].state);
    }
    this.byte(CLOSE);
    this.sep();
    this.int(r.cycles);
    this.sep();
    this.int(r.breached_cycles);
    this.byte(CLOSE);
    this.byte(NEWLINE);
  }

  get length(): number {
    let n = this.off;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Everything appended so far, as one Buffer. */
  finish(): Buffer {
    const last = this.buf.subarray(0, this.off);
    if (this.chunks.length === 0) return last;
    return Buffer.concat([...this.chunks, last]);
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(Math.max(this.capacityBytes, n));
    this.off = 0;
    this.switches++;
    // Remembered positions point into the previous buffer now.
    this.lastIntAt.fill(-1);
    this.dimsAt = -1;
  }

  private byte(b: number): void {
    this.buf[this.off++] = b;
  }

  private sep(): void {
    this.buf[this.off++] = COMMA;
  }

  private bytes(b: Buffer): void {
    // Room for the string and for whatever short fields follow it in the row.
    this.ensure(b.length + 1024);
    const buf = this.buf;
    let off = this.off;
    // Short copies: a loop beats the native call's overhead.
    if (b.length < 32) for (let i = 0; i < b.length; i++) buf[off++] = b[i];
    else off += b.copy(buf, off);
    this.off = off;
  }

  /** A string that repeats (dimension values, names, states): quoted and encoded once. */
  private str(s: string): void {
    this.bytes(this.quote(s));
  }

  private quote(s: string): Buffer {
    let q = this.quoted.get(s);
    if (q === undefined) {
      q = Buffer.from(JSON.stringify(s), 'utf8');
      if (this.quoted.size < CACHE_MAX) this.quoted.set(s, q);
    }
    return q;
  }

  /** A column's string, most often the same as in the previous row: no lookup then. */
  private slot(i: number, s: string): void {
    if (this.lastStr[i] !== s) {
      this.lastStr[i] = s;
      this.lastStrBytes[i] = this.quote(s);
    }
    this.bytes(this.lastStrBytes[i]);
  }

  /**
   * tenant … status: the same for the three rows of a ticket, so when all seven repeat,
   * the previous row's bytes for them are copied in one go.
   */
  private dimensions(r: SlaRow): void {
    const last = this.lastStr;
    const at = this.dimsAt;
    if (
      at >= 0 &&
      last[S_TENANT] === r.tenant &&
      last[S_TEAM] === r.team &&
      last[S_PRIORITY] === r.priority &&
      last[S_CATEGORY] === r.category &&
      last[S_CHANNEL] === r.channel &&
      last[S_TIER] === r.customer_tier &&
      last[S_STATUS] === r.status
    ) {
      const len = this.dimsLen;
      const buf = this.buf;
      buf.copyWithin(this.off, at, at + len);
      this.dimsAt = this.off;
      this.off += len;
      return;
    }
    const start = this.off;
    const buffers = this.switches;
    this.slot(S_TENANT, r.tenant);
    this.sep();
    this.slot(S_TEAM, r.team);
    this.sep();
    this.slot(S_PRIORITY, r.priority);
    this.sep();
    this.slot(S_CATEGORY, r.category);
    this.sep();
    this.slot(S_CHANNEL, r.channel);
    this.sep();
    this.slot(S_TIER, r.customer_tier);
    this.sep();
    this.slot(S_STATUS, r.status);
    this.sep();
    // A string long enough to need a new buffer leaves the block split: not reusable.
    this.dimsAt = this.switches === buffers ? start : -1;
    this.dimsLen = this.off - start;
  }

  /** A column's integer, most often the same as in the previous row: its digits are copied from there. */
  private repeatInt(i: number, n: number): void {
    const at = this.lastIntAt[i];
    if (this.lastInt[i] === n && at >= 0) {
      const len = this.lastIntLen[i];
      const buf = this.buf;
      // The previous copy may sit in an earlier buffer: only copy from this one.
      if (at + len <= this.off) {
        for (let k = 0; k < len; k++) buf[this.off + k] = buf[at + k];
        this.lastIntAt[i] = this.off;
        this.off += len;
        return;
      }
    }
    const start = this.off;
    this.int(n);
    this.lastInt[i] = n;
    this.lastIntAt[i] = start;
    this.lastIntLen[i] = this.off - start;
  }

  /** A string that does not repeat (the ticket id). */
  private free(s: string): void {
    this.ensure(s.length * 6 + 2);
    if (PLAIN.test(s)) {
      this.byte(34);
      this.off += this.buf.write(s, this.off, 'latin1');
      this.byte(34);
    } else {
      this.off += this.buf.write(JSON.stringify(s), this.off, 'utf8');
    }
    // The rest of the row still needs its room.
    this.ensure(1024);
  }

  /** Epoch ms as an integer: for DateTime64(3) an integer is a Unix timestamp at the column's scale. */
  private time(ms: number | null): void {
    if (ms === null) this.bytes(NULL_BYTES);
    else this.int(Math.round(ms));
  }

  private num(x: number): void {
    if (Number.isInteger(x)) this.int(x);
    else if (Number.isFinite(x)) this.off += this.buf.write(String(x), this.off, 'latin1');
    else this.byte(48);
  }

  /** Digits of a non-negative safe integer, written in place. */
  private int(n: number): void {
    if (n < 0 || n > Number.MAX_SAFE_INTEGER) {
      this.off += this.buf.write(String(n), this.off, 'latin1');
      return;
    }
    if (n < 10) {
      this.buf[this.off++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n && digits < 16; p *= 10) digits++;
    const buf = this.buf;
    let pos = this.off + digits;
    this.off = pos;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--pos] = 48 + (n - q * 10);
      n = q;
    }
    buf[--pos] = 48 + n;
  }
}

/** The row as a JSONCompactEachRow line (without the newline). */
export function rowLine(r: SlaRow): string {
  const e = new RowEncoder(4096);
  e.row(r);
  const b = e.finish();
  return b.toString('utf8', 0, b.length - 1);
}
