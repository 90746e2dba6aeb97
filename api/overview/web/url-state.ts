// The view lives in the URL (?page=…&from=…&to=…&team=…&priority=…) so a link
// shows a colleague the same page, range and filters. Range values use the API's own
// syntax (now-24h, epoch ms, ISO-8601) and pass through to it unchanged.
import { DEFAULT_FROM, DEFAULT_TO, OVERVIEW_PAGES, type OverviewPage } from '../pages.ts';

export interface ViewState {
  page: OverviewPage;
  from: string;
  to: string;
  team: string[];
  priority: string[];
}

/** The range presets offered in the selector; anything else in the URL is shown as custom. */
export const RANGE_PRESETS = ['1h', '6h', '24h', '7d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export function readState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const page = p.get('page');
  return {
    page: (OVERVIEW_PAGES as readonly string[]).includes(page ?? '') ? (page as OverviewPage) : 'now',
    from: p.get('from') || DEFAULT_FROM,
    to: p.get('to') || DEFAULT_TO,
    team: list(p.get('team')),
    priority: list(p.get('priority')),
  };
}

export function writeState(s: ViewState): string {
  const p = new URLSearchParams();
  p.set('page', s.page);
  if (s.from !== DEFAULT_FROM) p.set('from', s.from);
  if (s.to !== DEFAULT_TO) p.set('to', s.to);
  if (s.team.length > 0) p.set('team', s.team.join(','));
  if (s.priority.length > 0) p.set('priority', s.priority.join(','));
  return `?${p.toString()}`;
}

/** The API query for a view: range and filters, nothing else. */
export function apiQuery(s: ViewState): string {
  const p = new URLSearchParams({ from: s.from, to: s.to });
  if (s.team.length > 0) p.set('team', s.team.join(','));
  if (s.priority.length > 0) p.set('priority', s.priority.join(','));
  return p.toString();
}

export function presetOf(s: Pick<ViewState, 'from' | 'to'>): RangePreset | null {
  if (s.to !== 'now') return null;
  const m = /^now-(\d+[hd])$/.exec(s.from);
  return m && (RANGE_PRESETS as readonly string[]).includes(m[1]) ? (m[1] as RangePreset) : null;
}

function list(value: string | null): string[] {
  return value ? value.split(',').map((v) => v.trim()).filter(Boolean) : [];
}
