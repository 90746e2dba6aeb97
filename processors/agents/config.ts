// The `agents` configuration section, read tolerantly: the section is parsed with its
// own schema (defaults applied), so callers work whether or not the top-level config
// schema carries it yet.
import Value from 'typebox/value';
import { AgentsConfigSchema, type AgentsConfig } from '../../core/config/agents.ts';
import { TicketPulseError } from '../../core/errors.ts';

export function parseAgentsConfig(section: unknown = {}): AgentsConfig {
  const withDefaults = Value.Default(AgentsConfigSchema, structuredClone(section ?? {})) as AgentsConfig;
  const first = [...Value.Errors(AgentsConfigSchema, withDefaults)].find((e) => e.keyword !== 'boolean');
  if (first) {
    const key = `agents${first.instancePath.replace(/\//g, '.')}`;
    throw new TicketPulseError('config_invalid', `${key}: ${first.message}`, { field: key });
  }
  if (withDefaults.scoring.priorStrengthMax < withDefaults.scoring.priorStrengthMin) {
    throw new TicketPulseError('config_invalid', 'agents.scoring.priorStrengthMax must be ≥ priorStrengthMin', { field: 'agents.scoring.priorStrengthMax' });
  }
  return withDefaults;
}

/** The agents section of a loaded Config (whatever its static type says today). */
export function agentsConfigOf(config: object): AgentsConfig {
  return parseAgentsConfig((config as { agents?: unknown }).agents);
}
