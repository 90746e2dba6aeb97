// What analysts' read-only SQL may contain. Allowlists wherever the set of safe
// things is small (statement kinds, parse-tree node kinds, table functions, system
// tables); a denylist only for scalar functions, of which there are ~1,800 and all
// but a handful stay inside the engine. Decisions and reasons: docs/security.md.

/** Statement kinds (root of the parse tree) that only read. */
export const ROOT_KINDS = new Set([
  'SelectWithUnionQuery',
  'DescribeQuery',
  'ShowTables', // SHOW TABLES / DATABASES / SETTINGS / ENGINES …
  'ShowColumns',
  'ShowCreateTableQuery',
  'ExistsTableQuery',
  'Explain',
]);

/**
 * Node kinds whose whole content appears in the parse tree. A construct that hides
 * an expression from EXPLAIN AST (e.g. `* APPLY(f)`, whose function is not printed
 * and which would call file() on every column) is refused by not being listed here.
 */
export const NODE_KINDS = new Set([
  ...ROOT_KINDS,
  'SelectIntersectExceptQuery',
  'SelectQuery',
  'ExpressionList',
  'TablesInSelectQuery',
  'TablesInSelectQueryElement',
  'TableExpression',
  'TableIdentifier',
  'TableJoin',
  'ArrayJoin',
  'Subquery',
  'Function',
  'Identifier',
  'Literal',
  'Asterisk',
  'QualifiedAsterisk',
  'ColumnsRegexpMatcher',
  'QualifiedColumnsRegexpMatcher',
  'ColumnsListMatcher',
  'QualifiedColumnsListMatcher',
  'ColumnsTransformerList',
  'ColumnsExceptTransformer',
  'ColumnsReplaceTransformer',
  'ColumnsReplaceTransformer::Replacement',
  'OrderByElement',
  'WindowDefinition',
  'WindowListElement',
  'InterpolateElement',
  'WithElement',
  'SampleRatio',
  'Set', // listed so the refusal names SETTINGS instead of an unknown construct
]);

/** Table functions that generate data in memory; every other one is refused. */
export const TABLE_FUNCTIONS_ALLOWED = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generaterandom',
  'generateseries',
  'generate_series',
  'primes',
  'values',
  'sqlstandardvalues', // the parser's name for `FROM (VALUES …)`
  'null',
  'view', // view(SELECT …): the subquery is in the parse tree and checked like any other
]);

/**
 * Scalar functions that reach the host, the network or the engine's internals.
 * `file()` reads host files even under readonly=1 (measured on chDB 26.7).
 * Aliases (system.functions.alias_to) and user-defined functions are added at run
 * time from the engine's catalogue.
 */
export const SCALAR_FUNCTIONS_DENIED = new Set([
  'file',
  'aigenerate', // calls a remote model over HTTP
  'catboostevaluate', // loads a model file from a host path
  'hascolumnintable', // may connect to another host
  'getclienthttpheader',
  'getmacro',
  'getserverport',
  'getserversetting',
  'filesystemavailable',
  'filesystemcapacity',
  'filesystemunreserved',
  'hostname',
  'fqdn',
  'fullhostname',
  'serveruuid',
  'getoskernelversion',
  'displayname',
  'showcertificate',
  'zookeepersessionuptime',
  'addresstoline', // introspection: chDB enables allow_introspection_functions
  'addresstolinewithinlines',
  'addresstosymbol',
  'demangle',
  'logtrace', // writes into the server log
]);

/** system.* tables that describe the schema; the others can show other users' SQL (processes, query_log) or host details. */
export const SYSTEM_TABLES_ALLOWED = new Set([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'primes',
  'databases',
  'tables',
  'columns',
  'functions',
  'table_functions',
  'table_engines',
  'formats',
  'data_type_families',
  'aggregate_function_combinators',
  'time_zones',
  'collations',
  'keywords',
  'parts',
  'parts_columns',
  'data_skipping_indices',
  'merges',
  'mutations',
  'settings',
]);

/** information_schema views (over system.tables/columns), both spellings. */
export const INFORMATION_SCHEMA_ALLOWED = new Set(['tables', 'columns', 'schemata', 'views', 'key_column_usage', 'referential_constraints', 'statistics']);

/** Output formats a FORMAT clause may not pick: they need schema files or settings, or are wire protocols. */
export const OUTPUT_FORMATS_DENIED = new Set([
  'template',
  'templateignorespaces',
  'protobuf',
  'protobuflist',
  'protobufsingle',
  'capnproto',
  'avroconfluent',
  'postgresqlwire',
  'mysqlwire',
]);

export interface EngineCatalogue {
  functions: Array<{ name: string; alias_to: string; origin: string }>;
  outputFormats: string[];
}

export interface SqlPolicy {
  deniedFunctions: ReadonlySet<string>;
  /** Lower-case name → canonical spelling. */
  outputFormats: ReadonlyMap<string, string>;
}

export function buildPolicy(catalogue: EngineCatalogue): SqlPolicy {
  const denied = new Set(SCALAR_FUNCTIONS_DENIED);
  for (const f of catalogue.functions) {
    const name = f.name.toLowerCase();
    if (f.origin !== 'System') denied.add(name);
    if (f.alias_to && SCALAR_FUNCTIONS_DENIED.has(f.alias_to.toLowerCase())) denied.add(name);
  }
  const formats = new Map<string, string>();
  for (const name of catalogue.outputFormats) if (!OUTPUT_FORMATS_DENIED.has(name.toLowerCase())) formats.set(name.toLowerCase(), name);
  return { deniedFunctions: denied, outputFormats: formats };
}

/** Used when the catalogue cannot be read (it always can; this keeps the guard closed, not open). */
export const STATIC_POLICY: SqlPolicy = buildPolicy({
  functions: [],
  outputFormats: ['JSON', 'JSONCompact', 'JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TabSeparated', 'TabSeparatedWithNames', 'TSV', 'ArrowStream', 'Arrow', 'Parquet', 'Native', 'RowBinary'],
});
