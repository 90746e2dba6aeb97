export { openClickHouse, quoteIdent } from './connection.ts';
export type { ClickHouse, ClickHouseMode, OpenClickHouseOptions } from './connection.ts';
export { readOwner, writeOwner, clearOwner, ownerFile } from './owner.ts';
export type { DataDirOwner } from './owner.ts';
export { runReadQuery, checkReadOnlySql, toCsv } from './read-query.ts';
export type { ReadResult, ReadFormat } from './read-query.ts';
