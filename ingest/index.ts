export { BatchWriter, ClickHouseInserter, backoff, INSERT_SETTINGS, rowCount } from './writer/index.ts';
export type { BatchWriterOptions, FlushReport, WriterStats, Inserter, InsertRows, RowBytes } from './writer/index.ts';
export { HttpIngestor } from './http-ingest.ts';
export { processMessage, processValue } from './pipeline.ts';
export type { StepResult, StepContext } from './pipeline.ts';
export { writerSink } from './writer-sink.ts';
export type { WriterSink, LineBatch } from './writer-sink.ts';
