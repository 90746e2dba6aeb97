// The expansion the panel-SQL tests rely on, checked against the Grafana ClickHouse
// plugin's own documented examples (pkg/macros/macros_test.go, src/data/CHDatasource.test.ts)
// and grafana-plugin-sdk-go's sqlutil macro parser tests.
import { describe, expect, it } from 'vitest';
import { ALL_VALUE, MacroError, applyConditionalAll, expandQuery, interpolateMacros, parseArgs, replaceTemplateVariables, type ExpandContext } from '../../dashboards/index.ts';

// The plugin's fixtures: 2014-11-12T11:45:26.123Z → 2015-11-12T11:45:26.456Z.
const range = { from: Date.parse('2014-11-12T11:45:26.123Z'), to: Date.parse('2015-11-12T11:45:26.456Z') };
const ctx = (over: Partial<ExpandContext> = {}): ExpandContext => ({ range, intervalMs: 20_000, variables: [], ...over });

describe('backend macros (plugin pkg/macros examples)', () => {
  it.each([
    ['select * from foo where $__timeFilter(cast(sth as timestamp))', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    ['select * from foo where $__timeFilter(cast(sth as timestamp) )', 'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
    [
      'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
    ],
    ['select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100'],
    ['select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100', 'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100'],
    [
      'select * from foo where ( date >= $__fromTime_ms and date <= $__toTime_ms ) limit 100',
      'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) and date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
    ],
  ])('%s', (input, output) => {
    expect(interpolateMacros(input, ctx())).toBe(output);
  });

  it('$__timeInterval, $__timeInterval_ms and $__interval_s for a 20 s interval', () => {
    expect(interpolateMacros('select $__timeInterval(col) from foo', ctx())).toBe('select toStartOfInterval(toDateTime(col), INTERVAL 20 second) from foo');
    expect(interpolateMacros('select $__timeInterval_ms(col) from foo', ctx())).toBe('select toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond) from foo');
    expect(interpolateMacros('select toStartOfInterval(col, INTERVAL $__interval_s second) AS time from foo', ctx())).toBe(
      'select toStartOfInterval(col, INTERVAL 20 second) AS time from foo',
    );
  });

  it('never uses an interval under one second', () => {
    expect(interpolateMacros('$__timeInterval(c) $__interval_s', ctx({ intervalMs: 200 }))).toBe('toStartOfInterval(toDateTime(c), INTERVAL 1 second) 1');
  });

  it('$__dateFilter and $__dateTimeFilter / $__dt', () => {
    const r = { from: Date.parse('2014-11-12T11:45:26.371Z'), to: Date.parse('2015-11-12T11:45:26.371Z') };
    expect(interpolateMacros('$__dateFilter(dateCol)', ctx({ range: r }))).toBe("dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')");
    const dt = "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))";
    expect(interpolateMacros('$__dateTimeFilter(dateCol, timeCol)', ctx({ range: r }))).toBe(dt);
    expect(interpolateMacros('$__dt(dateCol, timeCol)', ctx({ range: r }))).toBe(dt);
  });

  it('reads arguments only when "(" follows the name (sqlutil #82)', () => {
    expect(interpolateMacros('x >= $__fromTime AND team IN (1, 2)', ctx())).toBe('x >= toDateTime(1415792726) AND team IN (1, 2)');
    expect(interpolateMacros('$__interval_s*(a + b)', ctx())).toBe('20*(a + b)');
  });

  it('keeps nested parentheses in one argument and tells a longer macro name apart', () => {
    expect(interpolateMacros('$__timeFilter(coalesce(a, b))', ctx())).toBe('coalesce(a, b) >= toDateTime(1415792726) AND coalesce(a, b) <= toDateTime(1447328726)');
    expect(interpolateMacros('$__timeFilter_ms(t)', ctx())).toContain('fromUnixTimestamp64Milli');
  });

  it('fails on a missing closing parenthesis or a wrong argument count', () => {
    expect(() => interpolateMacros('select * from foo where $__timeFilter(whoops', ctx())).toThrow(MacroError);
    expect(() => interpolateMacros('$__timeFilter(a, b)', ctx())).toThrow(/expected 1 argument, received 2/);
  });

  it('parses arguments like sqlutil parseArgs', () => {
    expect(parseArgs('foo bar')).toBeNull();
    expect(parseArgs(' (bar)')).toBeNull();
    expect(parseArgs('(bar)')).toEqual({ args: ['bar'], length: 5 });
    expect(parseArgs('(bar, baz, quux)')).toEqual({ args: ['bar', 'baz', 'quux'], length: 16 });
    expect(parseArgs('(bar(some,thing))')).toEqual({ args: ['bar(some,thing)'], length: 17 });
    expect(parseArgs('(arg1, arg2), not_an_arg, nope')).toEqual({ args: ['arg1', 'arg2'], length: 12 });
    expect(parseArgs('(arg1, arg2')).toBe('unclosed');
  });
});

describe('$__conditionalAll (plugin CHDatasource tests)', () => {
  const sqlText = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';

  it('becomes 1=1 when All is selected', () => {
    expect(applyConditionalAll(sqlText, [{ name: 'fieldVal', current: ALL_VALUE }])).toBe('select stuff from table where 1=1;');
    expect(applyConditionalAll(sqlText, [{ name: 'fieldVal', current: [ALL_VALUE] }])).toBe('select stuff from table where 1=1;');
  });

  it('keeps its first argument when anything else is selected', () => {
    expect(applyConditionalAll(sqlText, [{ name: 'fieldVal', current: `'val1', 'val2'` }])).toBe('select stuff from table where fieldVal in ($fieldVal);');
    expect(applyConditionalAll('$__conditionalAll(foo, $fieldVal)', [{ name: 'fieldVal', current: `'val1', 'val2'` }])).toBe('foo');
  });

  it('replaces every occurrence', () => {
    const two = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal) and $__conditionalAll(fieldVal in ($fieldVal2), $fieldVal2);';
    expect(
      applyConditionalAll(two, [
        { name: 'fieldVal', current: `'val1', 'val2'` },
        { name: 'fieldVal2', current: ALL_VALUE },
      ]),
    ).toBe('select stuff from table where fieldVal in ($fieldVal) and 1=1;');
  });

  it('treats an empty selection like All, and accepts ${var}', () => {
    expect(applyConditionalAll('$__conditionalAll(team IN (${team}), ${team})', [{ name: 'team', current: [] }])).toBe('1=1');
  });
});

describe('template variables (Grafana templateSrv with the plugin format)', () => {
  const vars = [
    { name: 'team', current: ['billing', 'orders'], options: ['billing', 'orders', 'vip'] },
    { name: 'one', current: 'billing' },
    { name: 'all', current: [ALL_VALUE], options: ['a', 'b'] },
    { name: 'custom', current: ALL_VALUE, options: ['a', 'b'], allValue: '.*' },
    { name: 'name', current: "O'Brien" },
  ];
  const replace = (text: string) => replaceTemplateVariables(text, ctx({ variables: vars }));

  it('quotes multi-value selections and leaves single values raw', () => {
    expect(replace('team IN (${team})')).toBe("team IN ('billing','orders')");
    expect(replace('team IN ($team) AND [[one]] = $one')).toBe("team IN ('billing','orders') AND billing = billing");
  });

  it('expands All to every option, or to a custom all value unformatted', () => {
    expect(replace('x IN (${all})')).toBe("x IN ('a','b')");
    expect(replace('x ~ ${custom}')).toBe('x ~ .*');
  });

  it('applies explicit formats', () => {
    expect(replace('${name:sqlstring}')).toBe("'O''Brien'");
    expect(replace('${name:singlequote}')).toBe("'O\\'Brien'");
    expect(replace('${team:csv}')).toBe('billing,orders');
    expect(replace('${team:sqlstring}')).toBe("'billing','orders'");
  });

  it("replaces Grafana's globals but leaves backend macros alone", () => {
    expect(replace('$__from $__to $__interval $__interval_ms')).toBe(`${range.from} ${range.to} 20s 20000`);
    expect(replace('$__fromTime $__timeFilter(t) $__interval_s')).toBe('$__fromTime $__timeFilter(t) $__interval_s');
  });
});

describe('expandQuery: the whole pipeline', () => {
  it('expands a ticket filter for All and for a selection', () => {
    const text = 'SELECT count() FROM t WHERE $__timeFilter(occurred_at) AND $__conditionalAll(team IN (${team}), $team)';
    const all = expandQuery(text, ctx({ variables: [{ name: 'team', current: [ALL_VALUE], options: ['a', 'b'] }] }));
    expect(all).toBe('SELECT count() FROM t WHERE occurred_at >= toDateTime(1415792726) AND occurred_at <= toDateTime(1447328726) AND 1=1');
    const some = expandQuery(text, ctx({ variables: [{ name: 'team', current: ['a'], options: ['a', 'b'] }] }));
    expect(some).toBe("SELECT count() FROM t WHERE occurred_at >= toDateTime(1415792726) AND occurred_at <= toDateTime(1447328726) AND team IN ('a')");
  });

  it('refuses to hand ClickHouse an undefined variable or an unknown macro', () => {
    expect(() => expandQuery('SELECT ${nope}', ctx())).toThrow(/unexpanded \$\{nope\}/);
    expect(() => expandQuery('SELECT $__unknownMacro(x)', ctx())).toThrow(/unexpanded \$__unknownMacro/);
  });
});
