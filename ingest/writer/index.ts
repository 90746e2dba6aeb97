export { BatchWriter, backoff } from './batch-writer.ts';
export type { BatchWriterOptions, FlushReport, WriterStats } from './batch-writer.ts';
export { ClickHouseInserter, INSERT_SETTINGS, rowCount } from './inserter.ts';
export type { Inserter, InsertFormat, InsertRows, RowBytes } from './inserter.ts';
