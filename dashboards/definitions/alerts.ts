// Alerts. Reads alerts and alert_deliveries, which do not exist yet; until they land
// the dashboard has no panels and is not generated. Add rows per table below
// (dashboards/README.md, "Adding panels").
import type { DashboardSpec, RowSpec } from '../build.ts';
import { TICKET_VARIABLES } from '../variables.ts';

/** Rows reading alerts: add them here when the table lands. */
const fromAlerts: RowSpec[] = [];
/** Rows reading alert_deliveries: add them here when the table lands. */
const fromAlertDeliveries: RowSpec[] = [];

export const alerts: DashboardSpec = {
  uid: 'ticketpulse-alerts',
  file: 'alerts.json',
  title: 'TicketPulse — Alerts',
  description: 'Alert lifecycle (firing, acknowledged, resolved), time to acknowledge, deliveries and failures by channel.',
  tags: ['alerts'],
  variables: TICKET_VARIABLES,
  rows: [...fromAlerts, ...fromAlertDeliveries],
  pending: [
    { title: 'Alerts by state', question: 'How many alerts are firing, acknowledged and resolved, by kind?', needs: ['alerts'] },
    { title: 'Time to acknowledge', question: 'How long do alerts wait for someone to acknowledge them?', needs: ['alerts'] },
    { title: 'Deliveries and failures by channel', question: 'Do notifications reach Slack, DingTalk, WeCom and webhooks, or fail?', needs: ['alert_deliveries'] },
  ],
};
