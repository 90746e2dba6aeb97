export { loadConfig, parseConfig, ConfigError, ENV_OVERRIDES } from './load.ts';
export type { ConfigIssue, LoadConfigOptions, LoadedConfig } from './load.ts';
export { ConfigSchema, ApiConfigSchema, API_SCOPES } from './schema.ts';
export type { Config, ClickHouseConfig, IngestConfig, SimulatorConfig, ApiConfig, ApiScope, ApiKeyEntry, SqlLimitsConfig, ExportConfig } from './schema.ts';
