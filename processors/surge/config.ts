// Defaults and validation for the `surge:` section, for callers that hold the section
// alone (tests, the CLI); the full config loader applies the same schema.
import Value from 'typebox/value';
import { SurgeConfigSchema, type SurgeConfig } from '../../core/config/surge.ts';
import { TicketPulseError } from '../../core/errors.ts';

export function parseSurgeConfig(section: unknown = {}): SurgeConfig {
  const withDefaults = Value.Default(SurgeConfigSchema, structuredClone(section ?? {})) as SurgeConfig;
  const first = [...Value.Errors(SurgeConfigSchema, withDefaults)][0];
  if (first) {
    const key = `surge${first.instancePath.replace(/\//g, '.')}`;
    throw new TicketPulseError('config_invalid', `${key}: ${first.message}`, { field: key });
  }
  if (withDefaults.minBaselineWeeks > withDefaults.baselineWeeks) {
    throw new TicketPulseError('config_invalid', 'surge.minBaselineWeeks must be ≤ baselineWeeks', { field: 'surge.minBaselineWeeks' });
  }
  return withDefaults;
}
