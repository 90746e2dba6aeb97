// Writes the route reference in docs/api.md from the OpenAPI document, between the
// GENERATED markers; the prose around them is edited by hand.
//   tsx api/openapi-doc.ts [docs/api.md]   (npm run docs:api)
// The app is built with stand-in collaborators: describing routes needs no database.
// Every route group is registered, the optional ones (metrics, alerts, SLA, surges,
// clusters, routing) with inert ports that throw if called, which nothing does: the
// document comes from the routes' schemas alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import type { AnalystSql, ClickHouse } from '../core/clickhouse/index.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import type { AlertsPort } from '../core/ports/alerts.ts';
import type { ClustersPort } from '../core/ports/clusters.ts';
import type { RoutingPort } from '../core/ports/routing.ts';
import type { SlaPort } from '../core/ports/sla.ts';
import type { SurgesPort } from '../core/ports/surges.ts';
import { app } from './app.ts';

const BEGIN = '<!-- BEGIN GENERATED: npm run docs:api -->';
const END = '<!-- END GENERATED -->';

type Schema = Record<string, unknown>;
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; required?: boolean; description?: string; schema: Schema }>;
  requestBody?: { description?: string; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** A collaborator for describing routes only: any method call throws. */
function inert<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      // Not a thenable, and quiet for inspection (util.inspect, Symbol.toPrimitive, …).
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON') return undefined;
      return () => {
        throw new Error(`${name}.${prop}(): a stand-in used to build the OpenAPI document, not to serve requests`);
      };
    },
  });
}

/** The OpenAPI document of the app with every route group (what `start` serves). */
export async function buildSpec(): Promise<Spec> {
  const f = Fastify({ logger: false });
  await f.register(fp(app), {
    ch: inert<ClickHouse>('ch'),
    analyst: inert<AnalystSql>('analyst'),
    ingestor: { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) },
    readiness: [],
    metrics: inert<MetricsRegistry>('metrics'),
    alerts: inert<AlertsPort>('alerts'),
    surges: inert<SurgesPort>('surges'),
    clusters: inert<ClustersPort>('clusters'),
    routing: inert<RoutingPort>('routing'),
    sla: inert<SlaPort>('sla'),
  });
  await f.ready();
  const spec = f.swagger() as unknown as Spec;
  await f.close();
  return spec;
}

export function renderReference(spec: Spec): string {
  const refs = spec.components?.schemas ?? {};
  const out: string[] = [];
  const entries = Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
  out.push('| method | path | scope | summary |', '| --- | --- | --- | --- |');
  for (const { path, method, op } of entries) out.push(`| ${method.toUpperCase()} | \`${path}\` | ${scopeOf(op)} | ${op.summary ?? ''} |`);
  for (const { path, method, op } of entries) {
    out.push('', `### ${method.toUpperCase()} \`${path}\``, '');
    if (op.summary) out.push(`**${op.summary}.** Scope: ${scopeOf(op)}.`, '');
    const description = (op.description ?? '').replace(/\n*Scope: `[^`]+` \([^)]*\)\.$/, '').trim();
    if (description) out.push(description, '');
    const params = op.parameters ?? [];
    if (params.length > 0) {
      out.push('| parameter | in | type | required | description |', '| --- | --- | --- | --- | --- |');
      for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema, refs))} | ${p.required ? 'yes' : 'no'} | ${cell(p.description ?? '')} |`);
      out.push('');
    }
    if (op.requestBody) {
      out.push('Request body:', '');
      for (const [type, { schema }] of Object.entries(op.requestBody.content)) out.push(`- \`${type}\`: ${cell(typeOf(schema, refs))}`);
      out.push('');
    }
    out.push('Responses:', '');
    for (const [status, r] of Object.entries(op.responses)) {
      const bodies = Object.entries(r.content ?? {}).map(([type, { schema }]) => `\`${type}\` ${cell(typeOf(schema, refs))}`);
      const text = r.description && r.description !== 'Default Response' ? `${r.description}${bodies.length ? ': ' : ''}` : '';
      out.push(`- **${status}** ${text}${bodies.join('; ')}`);
    }
  }
  return out.join('\n');
}

function scopeOf(op: Operation): string {
  if (!op.security) return 'public';
  return /Scope: `([^`]+)`/.exec(op.description ?? '')?.[1] ?? 'read';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

/** A compact, TypeScript-like rendering of a JSON schema. */
function typeOf(s: Schema | undefined, refs: Record<string, Schema>, depth = 0): string {
  if (!s) return 'any';
  if (typeof s.$ref === 'string') {
    const target = refs[s.$ref.split('/').pop()!];
    return (target?.title as string) ?? s.$ref;
  }
  if (s.title && depth > 0) return s.title as string;
  // Shared schemas (ErrorResponse) are inlined by the generator; name them again.
  for (const target of Object.values(refs)) {
    if (target.title && shape(target) === shape(s)) return target.title as string;
  }
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (union) return union.map((u) => typeOf(u, refs, depth + 1)).join(' | ');
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case 'array':
      return `${typeOf(s.items as Schema, refs, depth + 1)}[]`;
    case 'object': {
      const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
      if (props.length === 0) {
        const extra = s.additionalProperties;
        return extra && typeof extra === 'object' ? `{ [name]: ${typeOf(extra as Schema, refs, depth + 1)} }` : 'object';
      }
      if (depth > 2) return 'object';
      const required = new Set((s.required ?? []) as string[]);
      return `{ ${props.map(([k, v]) => `${k}${required.has(k) ? '' : '?'}: ${typeOf(v, refs, depth + 1)}`).join(', ')} }`;
    }
    case 'string':
      return s.format ? `string (${s.format as string})` : s.contentEncoding ? 'binary' : 'string';
    case undefined:
      return 'any';
    default:
      return String(s.type);
  }
}

function shape(s: Schema): string {
  return JSON.stringify({ type: s.type, required: s.required, properties: s.properties });
}

export function spliceReference(markdown: string, reference: string): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/api.md needs the markers ${BEGIN} … ${END}`);
  return `${markdown.slice(0, start + BEGIN.length)}\n\n${reference}\n\n${markdown.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2] ?? fileURLToPath(new URL('../docs/api.md', import.meta.url));
  const updated = spliceReference(readFileSync(target, 'utf8'), renderReference(await buildSpec()));
  writeFileSync(target, updated);
  process.stdout.write(`wrote the route reference into ${target}\n`);
}
