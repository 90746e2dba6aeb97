export { migrate, migrationsApplied, renderMigrations, appliedVersions, schemaMigrationsDDL } from './migrate.ts';
export type { MigrationResult } from './migrate.ts';
export { MIGRATIONS } from './migrations.ts';
export type { Migration } from './migration.ts';
export { engine, onCluster, sql } from './render.ts';
export type { SchemaContext } from './render.ts';
