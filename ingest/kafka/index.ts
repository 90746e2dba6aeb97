export { startKafkaIngest } from './consumer.ts';
export type { KafkaIngest, KafkaIngestDeps, StopReport } from './consumer.ts';
export type { IngestWriter } from './batch-tracker.ts';
export { DEFAULT_TUNING, resolveTuning } from './options.ts';
export type { KafkaIngestTuning } from './options.ts';
export { formatStatusLine, newStatusLineState } from './status.ts';
export type { KafkaIngestState, KafkaIngestStatus, PartitionStatus, StatusLineState } from './status.ts';
export { decodeBatch, ROW_FORMAT } from './batch-decode.ts';
export type { DecodedBatch } from './batch-decode.ts';
