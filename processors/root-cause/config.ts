// Defaults and validation for the `rootCause:` section, for callers that hold the
// section alone (tests, the CLI); the full config loader applies the same schema.
import Value from 'typebox/value';
import { RootCauseConfigSchema, type RootCauseConfig } from '../../core/config/root-cause.ts';
import { TicketPulseError } from '../../core/errors.ts';

export function parseRootCauseConfig(section: unknown = {}): RootCauseConfig {
  const withDefaults = Value.Default(RootCauseConfigSchema, structuredClone(section ?? {})) as RootCauseConfig;
  const first = [...Value.Errors(RootCauseConfigSchema, withDefaults)][0];
  if (first) {
    const key = `rootCause${first.instancePath.replace(/\//g, '.')}`;
    throw new TicketPulseError('config_invalid', `${key}: ${first.message}`, { field: key });
  }
  return withDefaults;
}
