import { describe, expect, it } from 'vitest';
import { tableFromIPC, tableToIPC, tableFromArrays } from 'apache-arrow';
import { ArrowStreamJoiner } from '../../core/clickhouse/arrow-ipc.ts';
import { parseEngineError } from '../../core/clickhouse/engine-error.ts';
import { enforcedSettings, settingsClause, Gate } from '../../core/clickhouse/read-engine.ts';
import { AstShapeError, parseExplainAst } from '../../core/clickhouse/sql-ast.ts';
import { prepare } from '../../core/clickhouse/sql-guard.ts';
import { SettingRefused, clickHouseError, splitUrlParams } from '../../api/routes/clickhouse-http.ts';

describe('EXPLAIN AST parsing', () => {
  it('builds the tree with names, aliases and parents', () => {
    const root = parseExplainAst(
      [
        'SelectWithUnionQuery (children 1)',
        ' ExpressionList (children 1)',
        '  SelectQuery (children 2)',
        '   ExpressionList (children 1)',
        '    Asterisk',
        '   TablesInSelectQuery (children 1)',
        '    TablesInSelectQueryElement (children 1)',
        '     TableExpression (children 1)',
        '      Function file (alias f) (children 1)',
        '       ExpressionList (children 1)',
        "        Literal '/etc/passwd'",
      ].join('\n'),
    );
    const fn = root.children[0].children[0].children[1].children[0].children[0].children[0];
    expect(fn).toMatchObject({ kind: 'Function', text: 'file', alias: 'f' });
    expect(fn.parent?.kind).toBe('TableExpression');
  });

  it('fails closed on forged or inconsistent output', () => {
    const bad = [
      'SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\nSelectWithUnionQuery', // two statements
      'SelectWithUnionQuery (children 1)\n   ExpressionList', // skips a level
      'SelectWithUnionQuery (children 2)\n ExpressionList', // child count mismatch
      'SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Identifier a\nb', // line break inside an identifier
      '',
    ];
    for (const text of bad) expect(() => parseExplainAst(text), text).toThrow(AstShapeError);
  });
});

describe('text checks before the engine', () => {
  it('trims one trailing semicolon and refuses empty, NUL and oversized statements', () => {
    expect(prepare('  SELECT 1 ;  ', 100)).toBe('SELECT 1');
    expect(() => prepare(' ; ', 100)).toThrow(/empty/);
    expect(() => prepare('SELECT 1\u0000', 100)).toThrow(/NUL/);
    expect(() => prepare('SELECT ' + 'x'.repeat(200), 100)).toThrow(/longer than 100 bytes/);
  });
});

describe('settings for analysts', () => {
  it('always sets readonly = 1 and never raises a limit', () => {
    const limits = { maxExecutionSeconds: 30, maxMemoryBytes: 1000, maxResultRows: 10, maxResultBytes: 100 };
    const s = enforcedSettings(limits, { readonly: 0, max_execution_time: 3600, max_result_rows: 5, output_format_json_quote_64bit_integers: 1 });
    expect(s).toMatchObject({ readonly: 1, max_execution_time: 30, max_result_rows: 5, max_result_bytes: 100, max_memory_usage: 1000, result_overflow_mode: 'throw' });
    expect(settingsClause({ a: 1, b: "x'y\\" })).toBe("SETTINGS a = 1, b = 'x\\'y\\\\'");
    expect(() => settingsClause({ 'a; DROP': 1 })).toThrow(/invalid setting name/);
  });

  it('queues up to the limit and then answers rate_limited', async () => {
    const gate = new Gate(1, 1, 'queries');
    const first = await gate.acquire();
    const second = gate.acquire();
    await expect(gate.acquire()).rejects.toMatchObject({ code: 'rate_limited' });
    first();
    (await second)();
  });
});

describe('Arrow stream joining', () => {
  it('joins complete IPC streams into one stream a reader reads to the end', () => {
    const part = (from: number) => Buffer.from(tableToIPC(tableFromArrays({ n: Int32Array.from([from, from + 1]) }), 'stream'));
    const j = new ArrowStreamJoiner();
    const joined = Buffer.concat([j.push(part(0)), j.push(part(2)), j.push(part(4)), j.end()]);
    const t = tableFromIPC(joined);
    expect(t.numRows).toBe(6);
    expect([...t.getChild('n')!]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => new ArrowStreamJoiner().push(Buffer.from('not arrow at all'))).toThrow(/continuation/);
  });
});

describe('ClickHouse conventions', () => {
  it('parses engine errors, including chDB nesting', () => {
    expect(parseEngineError(new Error('Code: 62. DB::Exception: Syntax error: failed at position 8. (SYNTAX_ERROR) (version 26.7.2.1)'))).toEqual({
      code: 62,
      type: 'SYNTAX_ERROR',
      message: 'Syntax error: failed at position 8',
    });
    const nested = parseEngineError(new Error("Code: 164. DB::Exception: Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. (READONLY) (version 26.7.2.1). (READONLY)"));
    expect(nested).toMatchObject({ code: 164, type: 'READONLY' });
    expect(parseEngineError(new Error('socket hang up'))).toMatchObject({ code: null });
  });

  it('splits URL parameters into query parameters and vetted settings', () => {
    expect(splitUrlParams({ query: 'SELECT 1', param_x: "it's", database: 'default', output_format_json_quote_64bit_integers: '1', max_execution_time: '5', query_id: 'q1' })).toEqual({
      params: { x: "it's" },
      settings: { output_format_json_quote_64bit_integers: 1, max_execution_time: 5 },
    });
    expect(() => splitUrlParams({ allow_ddl: '1' })).toThrow(SettingRefused);
    expect(() => splitUrlParams({ format_schema: '/etc/passwd' })).toThrow(SettingRefused);
    expect(() => splitUrlParams({ output_format_pretty_color: "1'; DROP" })).toThrow(SettingRefused);
  });

  it('answers errors the way ClickHouse clients parse them', () => {
    const e = clickHouseError(new SettingRefused('allow_ddl'), '26.7.2.1');
    expect(e.status).toBe(403);
    expect(e.body).toMatch(/^Code: 164\. DB::Exception: Cannot modify 'allow_ddl' setting in readonly mode.*\(READONLY\) \(version 26\.7\.2\.1\)\n$/);
  });
});
