export { BatchWriter, backoff } from './batch-writer.ts';
export type { BatchWriterOptions, EncodedRows, FlushReport, WriterStats } from './batch-writer.ts';
export { ClickHouseInserter, INSERT_SETTINGS } from './inserter.ts';
export type { Inserter, InsertFormat } from './inserter.ts';
