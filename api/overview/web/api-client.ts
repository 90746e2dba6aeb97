// Calls to the TicketPulse API from the page. The key, when the API has keys, is
// entered once and kept in sessionStorage: it lasts as long as the tab, is not sent
// to other tabs or sites, and is never written into the URL.
import type { OverviewPage } from '../pages.ts';

const KEY_STORAGE = 'ticketpulse.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Column {
  name: string;
  type: string;
}

export interface PanelResult {
  key: string;
  dashboard: string;
  title: string;
  question: string;
  status: 'ok' | 'pending' | 'error';
  columns: Column[];
  rows: unknown[][];
  truncated: boolean;
  error?: { code: string; message: string };
}

export interface OverviewResponse {
  page: OverviewPage;
  generated_at: string;
  range: { from: string; to: string; interval_ms: number };
  filters: Record<string, string[]>;
  panels: PanelResult[];
}

export interface SessionInfo {
  open: boolean;
  key_id: string | null;
  scopes: string[];
  alerts: boolean;
}

export interface FilterOptions {
  team: string[];
  priority: string[];
}

export interface Alert {
  id: string;
  kind: string;
  severity: string;
  state: string;
  summary: string;
  fired_at: string;
  labels: Record<string, string>;
}

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: the key lasts until the page reloads.
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  const key = storedKey();
  if (key) headers.set('authorization', `Bearer ${key}`);
  // Relative to the page, so the overview also works behind a proxy under a sub-path.
  const res = await fetch(path, { ...init, headers, cache: 'no-store' });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`, err?.field);
  }
  return body as T;
}

export const api = {
  session: () => call<SessionInfo>('v1/overview/session'),
  page: (page: OverviewPage, query: string) => call<OverviewResponse>(`v1/overview/${page}?${query}`),
  filters: (query: string) => call<FilterOptions>(`v1/overview/filters?${query}`),
  firingAlerts: () => call<{ alerts: Alert[] }>('v1/alerts?state=firing&limit=50'),
  ack: (id: string) =>
    call<{ alert: Alert }>(`v1/alerts/${encodeURIComponent(id)}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'acknowledged on the overview page' }),
    }),
};

/** A panel's rows as objects keyed by column name. */
export function records(panel: PanelResult | undefined): Array<Record<string, unknown>> {
  if (!panel || panel.status !== 'ok') return [];
  return panel.rows.map((row) => Object.fromEntries(panel.columns.map((c, i) => [c.name, row[i]])));
}
