// Helpers that render DDL for one server or, when a cluster name is configured,
// for a cluster: `ON CLUSTER` on every statement and Replicated* engines.

export interface SchemaContext {
  cluster: string | null;
  retention: { eventsDays: number; deadLettersDays: number };
}

export function onCluster(ctx: SchemaContext): string {
  return ctx.cluster ? ` ON CLUSTER '${ctx.cluster}'` : '';
}

/**
 * `ReplacingMergeTree(ver)` on one server; on a cluster the Replicated variant with
 * the conventional ZooKeeper path, so every replica of a shard shares one table.
 */
export function engine(ctx: SchemaContext, family: 'MergeTree' | 'ReplacingMergeTree', table: string, args: string[] = []): string {
  if (!ctx.cluster) return `${family}(${args.join(', ')})`;
  const replicated = [`'/clickhouse/tables/{shard}/{database}/${table}'`, `'{replica}'`, ...args];
  return `Replicated${family}(${replicated.join(', ')})`;
}

/** Dedents a template so rendered SQL reads well in logs and checksums stably. */
export function sql(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim().length > 0);
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
