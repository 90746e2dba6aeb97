// What the push feed carries for one version: the changed weights (whole groups —
// a group's weights sum to 1 only together) and the keys that make redelivery safe.
import { weightDto } from '../snapshot-store.ts';
import type { RoutingUpdate, WeightEntry } from '../types.ts';

export const UPDATE_TYPE = 'routing_weights.updated';

export function versionKey(version: number): string {
  return `routing-weights:v${version}`;
}

/** The webhook body; identical bytes on every retry (the signing time lives in a header). */
export function webhookBody(update: RoutingUpdate): string {
  return JSON.stringify({
    type: UPDATE_TYPE,
    version: update.version,
    previous_version: update.previous_version,
    published_at: new Date(update.published_at).toISOString(),
    skill_dimension: update.skill_dimension,
    idempotency_key: versionKey(update.version),
    changes: update.changes.map(weightDto),
  });
}

export interface AgentMessage {
  key: string;
  value: string;
  idempotencyKey: string;
}

/** One Kafka message per agent whose weights changed, keyed by agent id. */
export function agentMessages(update: RoutingUpdate): AgentMessage[] {
  const byAgent = new Map<string, WeightEntry[]>();
  for (const e of update.changes) {
    const list = byAgent.get(e.agent_id);
    if (list) list.push(e);
    else byAgent.set(e.agent_id, [e]);
  }
  const out: AgentMessage[] = [];
  for (const [agent, entries] of byAgent) {
    const idempotencyKey = `${versionKey(update.version)}:${agent}`;
    out.push({
      key: agent,
      idempotencyKey,
      value: JSON.stringify({
        type: UPDATE_TYPE,
        version: update.version,
        previous_version: update.previous_version,
        published_at: new Date(update.published_at).toISOString(),
        skill_dimension: update.skill_dimension,
        idempotency_key: idempotencyKey,
        agent_id: agent,
        changes: entries.map(weightDto),
      }),
    });
  }
  return out;
}
