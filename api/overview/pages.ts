// What each overview page shows: Grafana panels, named by dashboard uid and panel
// title, with the columns the page reads from them. The server runs those panels'
// own SQL (panels.ts) and the browser renders the rows (web/), so both sides import
// this one list. Plain data, no imports: it is bundled into the browser code too.

export const OVERVIEW_PAGES = ['now', 'volume', 'root-causes', 'agents'] as const;
export type OverviewPage = (typeof OVERVIEW_PAGES)[number];

export interface PanelRef {
  /** How the page and the API response name the panel. */
  key: string;
  /** Dashboard uid (dashboards/definitions). */
  dashboard: string;
  /** Panel title in that dashboard: the lookup key, so renaming a panel there breaks this list loudly. */
  title: string;
  /** Columns the page reads; the panel may return more. */
  columns: readonly string[];
}

const SLA = 'ticketpulse-sla';
const OPERATIONS = 'ticketpulse-operations';
const ROOT_CAUSES = 'ticketpulse-root-causes';
const AGENTS = 'ticketpulse-agents';

export const PAGE_PANELS: Readonly<Record<OverviewPage, readonly PanelRef[]>> = {
  now: [
    { key: 'compliance', dashboard: SLA, title: 'Compliance now, by metric', columns: ['metric', 'met', 'breached', 'compliance'] },
    { key: 'compliance_trend', dashboard: SLA, title: 'Compliance over time', columns: ['time', 'metric', 'compliance'] },
    {
      key: 'at_risk',
      dashboard: SLA,
      title: 'Breached and at-risk right now',
      columns: ['ticket_id', 'metric', 'state', 'priority', 'team', 'deadline', 'minutes_left'],
    },
  ],
  volume: [
    { key: 'volume', dashboard: OPERATIONS, title: 'Ticket volume by channel', columns: ['time', 'channel', 'tickets'] },
    { key: 'categories', dashboard: OPERATIONS, title: 'Top 10 categories', columns: ['category', 'tickets'] },
    { key: 'surges', dashboard: ROOT_CAUSES, title: 'Surge timeline', columns: ['time', 'scope', 'observed', 'expected'] },
  ],
  'root-causes': [
    {
      key: 'batches',
      dashboard: ROOT_CAUSES,
      title: 'Active root-cause batches',
      columns: ['cluster_id', 'label', 'status', 'size', 'growth', 'concentration', 'sample_subjects'],
    },
  ],
  agents: [
    { key: 'leaderboard', dashboard: AGENTS, title: 'Skill leaderboard', columns: ['skill', 'agent', 'score', 'lower', 'upper', 'tickets'] },
    { key: 'weights', dashboard: AGENTS, title: 'Current routing weights', columns: ['skill', 'team', 'agent', 'weight', 'version'] },
  ],
};

/** Dashboard variables the overview lets a person set (the URL's filters); the rest stay on All. */
export const FILTERS = ['tenant', 'team', 'priority', 'channel'] as const;
export type FilterName = (typeof FILTERS)[number];

/** A filter value: letters, digits and a little punctuation, never a quote, comma, `$` or backslash (the plugin's variable format does not escape). */
export const FILTER_VALUE = /^[\p{L}\p{N}_.()][\p{L}\p{N}_.() -]{0,63}$/u;
export const MAX_FILTER_VALUES = 20;

/** `now`, `now-<n>m|h|d`, epoch milliseconds, or ISO-8601 with an offset. */
export const RELATIVE_TIME = /^now(?:-(\d{1,5})([mhd]))?$/;
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
export const EPOCH_MS = /^\d{12,14}$/;

export const DEFAULT_FROM = 'now-24h';
export const DEFAULT_TO = 'now';
export const MIN_RANGE_MS = 5 * 60_000;
export const MAX_RANGE_MS = 31 * 86_400_000;

/** The page refreshes this often while visible. */
export const REFRESH_MS = 10_000;
