export { loadConfig, parseConfig, ConfigError, ENV_OVERRIDES } from './load.ts';
export type { ConfigIssue, LoadConfigOptions, LoadedConfig } from './load.ts';
export { ConfigSchema } from './schema.ts';
export type { Config, ClickHouseConfig, IngestConfig, SimulatorConfig } from './schema.ts';
