// SLA overview. Everything here reads ticket_sla (SLA state per ticket × metric),
// which does not exist yet; until it lands the dashboard has no panels and is not
// generated. Add rows per table below (dashboards/README.md, "Adding panels").
import type { DashboardSpec, RowSpec } from '../build.ts';
import { TICKET_VARIABLES } from '../variables.ts';

/** Rows reading ticket_sla: add them here when the table lands. */
const fromTicketSla: RowSpec[] = [];

export const slaOverview: DashboardSpec = {
  uid: 'ticketpulse-sla',
  file: 'sla-overview.json',
  title: 'TicketPulse — SLA overview',
  description: 'SLA compliance by metric, priority and team; breaches and at-risk tickets right now.',
  tags: ['sla'],
  variables: TICKET_VARIABLES,
  rows: [...fromTicketSla],
  pending: [
    { title: 'Compliance now, by metric', question: 'What share of first responses, next replies and resolutions met their SLA?', needs: ['ticket_sla'] },
    { title: 'Compliance over time', question: 'Is SLA compliance improving or slipping, per metric?', needs: ['ticket_sla'] },
    { title: 'Compliance by priority and team', question: 'Which priority × team combinations miss their targets?', needs: ['ticket_sla'] },
    { title: 'Breached and at-risk right now', question: 'Which tickets have breached or are about to, and how long is left? (ticket links)', needs: ['ticket_sla'] },
    { title: 'Breaches by hour of week', question: 'When in the week do breaches happen (heatmap, weekday × hour)?', needs: ['ticket_sla'] },
    { title: 'Worst contributors', question: 'Which teams, categories and channels cause most breaches?', needs: ['ticket_sla'] },
  ],
};
