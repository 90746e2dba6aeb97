// Which channels hear about an alert, and when. Routes are tried in order and the
// first match wins (like SLA policies); `continue: true` lets later routes add their
// channels too. Escalation steps of every matched route merge into one ladder:
// level 1 is the routes' own channels, levels 2, 3, … follow in order of delay.
import type { AlertRouteConfig, AlertRouteMatch, AlertsConfig } from '../../core/config/alerts.ts';
import type { AlertRecord } from './types.ts';

export interface EscalationLevel {
  /** 2, 3, … */
  level: number;
  afterMs: number;
  channels: string[];
}

export interface RoutePlan {
  /** Names of the matched routes (or `routes[i]`), for logs and tests. */
  routes: string[];
  level1: string[];
  escalations: EscalationLevel[];
}

type Routable = Pick<AlertRecord, 'kind' | 'severity' | 'subject_type' | 'labels'>;

/** Label names the route match offers as first-class keys (the rest go under `labels`). */
const LABEL_KEYS = ['team', 'priority', 'tier', 'tenant', 'category'] as const;

export class AlertRouter {
  private readonly cache = new Map<string, RoutePlan>();

  constructor(private readonly routes: readonly AlertRouteConfig[]) {}

  static fromConfig(config: Pick<AlertsConfig, 'routes'>): AlertRouter {
    return new AlertRouter(config.routes);
  }

  plan(alert: Routable): RoutePlan {
    // Storms raise thousands of alerts with the same routing-relevant fields.
    const key = JSON.stringify([alert.kind, alert.severity, alert.subject_type, Object.entries(alert.labels).sort()]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const plan = this.compute(alert);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, plan);
    return plan;
  }

  /** Channels that have heard about the alert once it reached `level`. */
  channelsUpTo(alert: Routable, level: number): string[] {
    const plan = this.plan(alert);
    const out = new Set(plan.level1);
    for (const e of plan.escalations) if (e.level <= level) for (const c of e.channels) out.add(c);
    return [...out];
  }

  private compute(alert: Routable): RoutePlan {
    const names: string[] = [];
    const level1 = new Set<string>();
    const steps: Array<{ afterMs: number; channels: string[] }> = [];
    for (const [i, route] of this.routes.entries()) {
      if (!matches(route.match, alert)) continue;
      names.push(route.name ?? `routes[${i}]`);
      for (const c of route.channels) level1.add(c);
      for (const s of route.escalate ?? []) steps.push({ afterMs: s.afterMinutes * 60_000, channels: s.channels });
      if (!route.continue) break;
    }
    const byDelay = new Map<number, Set<string>>();
    for (const s of steps.sort((a, b) => a.afterMs - b.afterMs)) {
      const set = byDelay.get(s.afterMs) ?? new Set<string>();
      for (const c of s.channels) set.add(c);
      byDelay.set(s.afterMs, set);
    }
    const escalations = [...byDelay.entries()].map(([afterMs, set], i) => ({ level: i + 2, afterMs, channels: [...set] }));
    return { routes: names, level1: [...level1], escalations };
  }
}

export function matches(match: AlertRouteMatch | undefined, alert: Routable): boolean {
  if (!match) return true;
  if (match.kind && !match.kind.includes(alert.kind)) return false;
  if (match.severity && !(match.severity as string[]).includes(alert.severity)) return false;
  if (match.subject_type && !match.subject_type.includes(alert.subject_type)) return false;
  for (const k of LABEL_KEYS) {
    const wanted = match[k];
    if (wanted && !wanted.includes(alert.labels[k] ?? '')) return false;
  }
  for (const [k, wanted] of Object.entries(match.labels ?? {})) {
    if (!wanted.includes(alert.labels[k] ?? '')) return false;
  }
  return true;
}
