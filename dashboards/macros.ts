// What a panel's rawSql becomes before it reaches ClickHouse, reproduced step by step
// so tests can run every panel against a real engine. Three stages, in the plugin's
// order:
//
// 1. Frontend, `$__conditionalAll(<phrase>, $var)` (plugin CHDatasource.applyConditionalAll):
//    replaced by `1=1` when the variable's current value is All (`$__all`) or empty,
//    otherwise by <phrase>. Arguments are split at top-level commas.
// 2. Frontend, template variables (Grafana templateSrv.replace with the plugin's format
//    function): `$var`, `${var}`, `[[var]]` and `${var:<format>}`. With no explicit
//    format the plugin formats an array (a multi-value variable, even with one value
//    selected) as `'a','b'` — quoted, not escaped — and a single value raw. All becomes
//    every option's value (or the variable's custom allValue, unformatted). Grafana's
//    globals `$__from`, `$__to` (epoch ms), `$__interval`, `$__interval_ms` are replaced
//    here too; any other `$__name` is left for the backend.
// 3. Backend macros (grafana-plugin-sdk-go sqlutil.Interpolate + the plugin's
//    pkg/macros): a macro is `$__name` followed immediately by an optional `(args)`
//    (balanced parentheses, split at top-level commas, trimmed; a space before `(`
//    means no arguments). With the time range [from, to] and the query interval:
//      $__timeFilter(c)     → c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)
//      $__timeFilter_ms(c)  → c >= fromUnixTimestamp64Milli(<from ms>) AND c <= fromUnixTimestamp64Milli(<to ms>)
//      $__dateFilter(c)     → c >= toDate('<from date>') AND c <= toDate('<to date>')
//      $__dateTimeFilter(d, t), $__dt(d, t) → (date filter on d) AND (time filter on t)
//      $__fromTime, $__toTime       → toDateTime(<s>)
//      $__fromTime_ms, $__toTime_ms → fromUnixTimestamp64Milli(<ms>)
//      $__timeInterval(c)    → toStartOfInterval(toDateTime(c), INTERVAL <n> second), n = max(interval s, 1)
//      $__timeInterval_ms(c) → toStartOfInterval(toDateTime64(c, 3), INTERVAL <n> millisecond)
//      $__interval_s         → n
//      $__timeFrom(c), $__timeTo(c) → sqlutil's defaults (RFC 3339 strings)
//    Seconds are truncated (Go's time.Unix), dates are UTC.
//
// Where the real pipeline would pass a leftover `$__name` or `$var` on to ClickHouse
// (which then fails with a syntax error), this throws, naming what is left.

export const ALL_VALUE = '$__all';

export interface TimeRange {
  /** Epoch milliseconds. */
  from: number;
  to: number;
}

export interface VariableState {
  name: string;
  /** The selection: one value, several values (a multi-value variable), or ALL_VALUE. */
  current: string | readonly string[];
  /** Every option's value except All; what All expands to without a custom allValue. */
  options?: readonly string[];
  allValue?: string;
}

export interface ExpandContext {
  range: TimeRange;
  /** The query interval Grafana computed for the panel (time range / max data points, rounded). */
  intervalMs: number;
  variables: readonly VariableState[];
}

export class MacroError extends Error {
  override name = 'MacroError';
}

/** All three stages, in the plugin's order. */
export function expandQuery(rawSql: string, ctx: ExpandContext): string {
  const frontend = replaceTemplateVariables(applyConditionalAll(rawSql, ctx.variables), ctx);
  const sql = interpolateMacros(frontend, ctx);
  const leftover = /\$__\w+|\$\{[^}]*\}|\$[A-Za-z_]\w*|\[\[\w+(?::\w+)?\]\]/.exec(sql);
  if (leftover) throw new MacroError(`unexpanded ${leftover[0]} in:\n${sql}`);
  return sql;
}

// ---------------------------------------------------------------------------
// Stage 1: $__conditionalAll

const CONDITIONAL_ALL = '$__conditionalAll(';

export function applyConditionalAll(rawSql: string, variables: readonly VariableState[]): string {
  let sql = rawSql;
  let at = sql.lastIndexOf(CONDITIONAL_ALL);
  while (at !== -1) {
    const params = macroArgsAt(sql, at + CONDITIONAL_ALL.length - 1);
    // The plugin gives up on the whole query here and leaves the macro in place.
    if (params.length !== 2) return sql;
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(params[1].trim());
    let phrase = params[0];
    if (name) {
      const variable = variables.find((v) => v.name === name[0]);
      const value = variable === undefined ? undefined : String(variable.current);
      if (value === '' || value === ALL_VALUE) phrase = '1=1';
    }
    // A plain-string replace of the first occurrence, exactly as the plugin does it.
    sql = sql.replace(`${CONDITIONAL_ALL}${params[0]},${params[1]})`, phrase);
    at = sql.lastIndexOf(CONDITIONAL_ALL);
  }
  return sql;
}

/** The plugin's getMacroArgs: `index` points at the opening parenthesis. */
function macroArgsAt(sql: string, index: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  const rest = sql.substring(index);
  let depth = 0;
  let lastEnd = 1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.substring(lastEnd, re.lastIndex - 1));
      lastEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(rest.substring(lastEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

// ---------------------------------------------------------------------------
// Stage 2: template variables

// Grafana's variableRegex: $var | [[var]] / [[var:fmt]] | ${var} / ${var.field} / ${var:fmt}
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export function replaceTemplateVariables(sql: string, ctx: ExpandContext): string {
  return sql.replace(VARIABLE_RE, (match: string, v1?: string, v2?: string, fmt2?: string, v3?: string, _field?: string, fmt3?: string) => {
    const name = v1 ?? v2 ?? v3 ?? '';
    const format = fmt2 ?? fmt3;
    const builtIn = builtInVariable(name, ctx);
    if (builtIn !== undefined) return builtIn;
    const variable = ctx.variables.find((v) => v.name === name);
    if (variable === undefined) return match;
    let value: string | readonly string[] = variable.current;
    const isAll = value === ALL_VALUE || (Array.isArray(value) && value.length === 1 && value[0] === ALL_VALUE);
    if (isAll) {
      // Grafana skips formatting for a custom all value.
      if (variable.allValue !== undefined) return variable.allValue;
      value = variable.options ?? [];
    }
    return formatValue(value, format);
  });
}

function builtInVariable(name: string, ctx: ExpandContext): string | undefined {
  switch (name) {
    case '__from':
      return String(ctx.range.from);
    case '__to':
      return String(ctx.range.to);
    case '__interval_ms':
      return String(ctx.intervalMs);
    case '__interval':
      return grafanaInterval(ctx.intervalMs);
    default:
      return undefined;
  }
}

function formatValue(value: string | readonly string[], format: string | undefined): string {
  const list = typeof value === 'string' ? null : value;
  switch (format) {
    case undefined:
      // The plugin's own format function (CHDatasource.format).
      return list ? `'${list.join("','")}'` : (value as string);
    case 'raw':
    case 'csv':
      return list ? list.join(',') : (value as string);
    case 'singlequote': {
      const q = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    case 'doublequote': {
      const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    case 'sqlstring': {
      const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    default:
      throw new MacroError(`variable format :${format} is not modelled here (add it to dashboards/macros.ts)`);
  }
}

/** Grafana's rendering of an interval: the largest unit that divides it. */
function grafanaInterval(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

// ---------------------------------------------------------------------------
// Stage 3: backend macros

type MacroFn = (args: string[] | null, ctx: ExpandContext) => string;

const seconds = (ms: number) => Math.floor(ms / 1000);
const toDateTime = (ms: number) => `toDateTime(${seconds(ms)})`;
const toDateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;
const toDate = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const rfc3339 = (ms: number) => `${new Date(seconds(ms) * 1000).toISOString().slice(0, 19)}Z`;

function arity(name: string, args: string[] | null, n: number): string[] {
  const got = args ?? [];
  if (got.length !== n) throw new MacroError(`$__${name}: unexpected number of arguments: expected ${n} argument${n === 1 ? '' : 's'}, received ${got.length}`);
  return got;
}

function intervalSeconds(ctx: ExpandContext): number {
  return Math.trunc(Math.max(ctx.intervalMs / 1000, 1));
}

/** The plugin's macros (pkg/macros) and the sqlutil defaults it does not override. */
export const BACKEND_MACROS: Readonly<Record<string, MacroFn>> = {
  fromTime: (_a, c) => toDateTime(c.range.from),
  toTime: (_a, c) => toDateTime(c.range.to),
  fromTime_ms: (_a, c) => toDateTime64(c.range.from),
  toTime_ms: (_a, c) => toDateTime64(c.range.to),
  timeFilter: (a, c) => {
    const [col] = arity('timeFilter', a, 1);
    return `${col} >= ${toDateTime(c.range.from)} AND ${col} <= ${toDateTime(c.range.to)}`;
  },
  timeFilter_ms: (a, c) => {
    const [col] = arity('timeFilter_ms', a, 1);
    return `${col} >= ${toDateTime64(c.range.from)} AND ${col} <= ${toDateTime64(c.range.to)}`;
  },
  dateFilter: (a, c) => {
    const [col] = arity('dateFilter', a, 1);
    return `${col} >= ${toDate(c.range.from)} AND ${col} <= ${toDate(c.range.to)}`;
  },
  dateTimeFilter: (a, c) => dateTimeFilter('dateTimeFilter', a, c),
  dt: (a, c) => dateTimeFilter('dt', a, c),
  timeInterval: (a, c) => {
    const [col] = arity('timeInterval', a, 1);
    return `toStartOfInterval(toDateTime(${col}), INTERVAL ${intervalSeconds(c)} second)`;
  },
  timeInterval_ms: (a, c) => {
    const [col] = arity('timeInterval_ms', a, 1);
    return `toStartOfInterval(toDateTime64(${col}, 3), INTERVAL ${Math.trunc(Math.max(c.intervalMs, 1))} millisecond)`;
  },
  interval_s: (_a, c) => String(intervalSeconds(c)),
  timeFrom: (a, c) => `${arity('timeFrom', a, 1)[0]} >= '${rfc3339(c.range.from)}'`,
  timeTo: (a, c) => `${arity('timeTo', a, 1)[0]} <= '${rfc3339(c.range.to)}'`,
};

function dateTimeFilter(name: string, args: string[] | null, c: ExpandContext): string {
  const [dateCol, timeCol] = arity(name, args, 2);
  const date = `(${dateCol} >= ${toDate(c.range.from)} AND ${dateCol} <= ${toDate(c.range.to)})`;
  const time = `(${timeCol} >= ${toDateTime(c.range.from)} AND ${timeCol} <= ${toDateTime(c.range.to)})`;
  return `${date} AND ${time}`;
}

export function interpolateMacros(sql: string, ctx: ExpandContext): string {
  let out = sql;
  for (const [name, fn] of Object.entries(BACKEND_MACROS)) {
    const re = new RegExp(`\\$__${name}\\b`, 'g');
    let result = '';
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(out)) !== null) {
      const afterName = m.index + m[0].length;
      const parsed = parseArgs(out.slice(afterName));
      if (parsed === 'unclosed') throw new MacroError(`$__${name}: missing closing parenthesis`);
      const end = afterName + (parsed?.length ?? 0);
      result += out.slice(last, m.index) + fn(parsed?.args ?? null, ctx);
      last = end;
      re.lastIndex = end;
    }
    out = result + out.slice(last);
  }
  return out;
}

/**
 * sqlutil's parseArgs: arguments only when `(` follows the name at once; nested
 * parentheses stay inside one argument; commas split only at the top level.
 */
export function parseArgs(text: string): { args: string[]; length: number } | null | 'unclosed' {
  if (!text.startsWith('(')) return null;
  const args: string[] = [];
  let depth = 0;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return { args, length: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return 'unclosed';
}
