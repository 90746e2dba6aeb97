// Root causes & surges. Reads clusters, ticket_clusters and surges, which do not exist
// yet; until they land the dashboard has no panels and is not generated. Add rows per
// table below (dashboards/README.md, "Adding panels").
import type { DashboardSpec, RowSpec } from '../build.ts';
import { TICKET_VARIABLES } from '../variables.ts';

/** Rows reading clusters and ticket_clusters: add them here when the tables land. */
const fromClusters: RowSpec[] = [];
/** Rows reading surges: add them here when the table lands. */
const fromSurges: RowSpec[] = [];

export const rootCauses: DashboardSpec = {
  uid: 'ticketpulse-root-causes',
  file: 'root-causes.json',
  title: 'TicketPulse — Root causes & surges',
  description: 'Root-cause batches of similar tickets and volume surges against the expected level.',
  tags: ['root-causes'],
  variables: TICKET_VARIABLES,
  rows: [...fromClusters, ...fromSurges],
  pending: [
    { title: 'Active root-cause batches', question: 'Which batches of similar tickets are open now: label, size, growth, and the attribute they concentrate on?', needs: ['clusters', 'ticket_clusters'] },
    { title: 'Batch members', question: 'Which tickets belong to a batch? (ticket links)', needs: ['ticket_clusters'] },
    { title: 'Surge timeline', question: 'When did volume exceed what was expected, observed vs expected?', needs: ['surges'] },
  ],
};
