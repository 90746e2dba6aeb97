// Template variables. The ticket dimensions are multi-value with "All", and panels
// filter with $__conditionalAll (see sql.ts inFilter), so All costs nothing. Value
// lists come from the data in the dashboard's time range.
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { datasourceRef } from './datasource.ts';
import { sql } from './sql.ts';
import { ALL_VALUE } from './macros.ts';

export interface VariableSpec {
  name: string;
  label: string;
  description: string;
  kind: 'query' | 'textbox';
  /** SQL for a query variable; the default text for a textbox. */
  query: string;
  builder(): Builder<dashboard.VariableModel>;
}

const ALL_OPTION: dashboard.VariableOption = { selected: true, text: ['All'], value: [ALL_VALUE] };

function queryVariable(name: string, label: string, description: string, query: string): VariableSpec {
  return {
    name,
    label,
    description,
    kind: 'query',
    query,
    builder: () =>
      new dashboard.QueryVariableBuilder(name)
        .label(label)
        .description(description)
        .datasource(datasourceRef())
        // A plain SQL string: every plugin version reads it (newer ones also accept an object).
        .query(query)
        .definition(query)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .current(ALL_OPTION),
  };
}

/** Distinct non-empty values of a ticket dimension seen in the dashboard's time range. */
function dimension(name: string, label: string, description: string): VariableSpec {
  return queryVariable(
    name,
    label,
    description,
    sql`
      SELECT DISTINCT ${name}
      FROM ticket_events
      WHERE $__timeFilter(occurred_at) AND ${name} != ''
      ORDER BY ${name}`,
  );
}

export const tenant = dimension('tenant', 'Tenant', 'Tenant (business unit) the ticket belongs to');
export const team = dimension('team', 'Team', 'Team the ticket is (last) assigned to');
export const priority = dimension('priority', 'Priority', 'Latest priority of the ticket');
export const channel = dimension('channel', 'Channel', 'Channel the customer wrote in');

/** The four filters every business dashboard carries (sql.ts ticketFilters applies them). */
export const TICKET_VARIABLES: readonly VariableSpec[] = [tenant, team, priority, channel];

export const source = queryVariable(
  'source',
  'Source',
  'Where messages came from: kafka, http, file, simulator',
  sql`
    SELECT source FROM (
      SELECT DISTINCT source FROM ticket_events WHERE $__timeFilter(received_at)
      UNION DISTINCT
      SELECT DISTINCT source FROM dead_letters WHERE $__timeFilter(received_at)
    )
    ORDER BY source`,
);

export const ticketId: VariableSpec = {
  name: 'ticket_id',
  label: 'Ticket',
  description: 'Ticket id (links from other dashboards fill it in)',
  kind: 'textbox',
  query: '',
  builder: () => new dashboard.TextBoxVariableBuilder('ticket_id').label('Ticket').description('Ticket id (links from other dashboards fill it in)').defaultValue(''),
};
