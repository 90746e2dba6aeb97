// Every dashboard, in the order Grafana's dashboard list and README.md show them.
// A dashboard without panels yet (its tables do not exist) is listed with its pending
// panels but not generated: Grafana gets no empty dashboards.
import { buildDashboard, panelCount, type BuiltDashboard, type DashboardSpec } from './build.ts';
import { agentsRouting } from './definitions/agents-routing.ts';
import { alerts } from './definitions/alerts.ts';
import { operations } from './definitions/operations.ts';
import { pipelineHealth } from './definitions/pipeline-health.ts';
import { rootCauses } from './definitions/root-causes.ts';
import { slaOverview } from './definitions/sla-overview.ts';
import { ticketTimeline } from './definitions/ticket-timeline.ts';

export const DASHBOARDS: readonly DashboardSpec[] = [slaOverview, operations, agentsRouting, rootCauses, alerts, pipelineHealth, ticketTimeline];

export function isGenerated(spec: DashboardSpec): boolean {
  return panelCount(spec) > 0;
}

export function buildAll(): BuiltDashboard[] {
  return DASHBOARDS.filter(isGenerated).map(buildDashboard);
}
