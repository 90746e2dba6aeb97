import type { SchemaContext } from './render.ts';

export interface Migration {
  /** Strictly increasing; recorded in schema_migrations once applied. */
  version: number;
  name: string;
  /** Statements run in order; each must be idempotent (IF NOT EXISTS …) so a half-applied migration can be re-run. */
  up(ctx: SchemaContext): string[];
}
