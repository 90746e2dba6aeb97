// The overview page: state, loading, auto-refresh and rendering. Data comes from
// /v1/overview/* (the Grafana panels' SQL, run by the API) and /v1/alerts.
import { REFRESH_MS, type OverviewPage } from '../pages.ts';
import { ApiError, api, storeKey, storedKey, type Alert, type OverviewResponse, type SessionInfo } from './api-client.ts';
import { destroyCharts } from './charts.ts';
import { clear, h } from './dom.ts';
import { clock } from './format.ts';
import { LANGUAGES, detectLanguage, translate, type Language, type MessageKey } from './i18n.ts';
import type { AlertsView, PageContext, PageRenderer } from './pages/common.ts';
import { renderAgents } from './pages/agents.ts';
import { renderNow } from './pages/now.ts';
import { renderRootCauses } from './pages/root-causes.ts';
import { renderVolume } from './pages/volume.ts';
import { buildShell, type Shell } from './shell.ts';
import { apiQuery, readState, writeState, type ViewState } from './url-state.ts';

const RENDERERS: Record<OverviewPage, PageRenderer> = { now: renderNow, volume: renderVolume, 'root-causes': renderRootCauses, agents: renderAgents };
const LANG_STORAGE = 'ticketpulse.lang';

interface State {
  view: ViewState;
  lang: Language;
  session: SessionInfo | null;
  data: OverviewResponse | null;
  alerts: AlertsView;
  options: { team: string[]; priority: string[] };
  paused: boolean;
  loading: boolean;
  lastLoadedAt: number;
  error: string | null;
}

const state: State = {
  view: readState(location.search),
  lang: initialLanguage(),
  session: null,
  data: null,
  alerts: { alerts: null, error: null, acked: new Map() },
  options: { team: [], priority: [] },
  paused: false,
  loading: false,
  lastLoadedAt: 0,
  error: null,
};

/** Bumped on every load; an answer for an older one (a previous page or range) is dropped. */
let generation = 0;
let shell: Shell;

const t = (key: MessageKey, params?: Record<string, string | number>) => translate(state.lang, key, params);

function initialLanguage(): Language {
  const stored = safeStorage(() => localStorage.getItem(LANG_STORAGE));
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  return detectLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

function safeStorage<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

function mountShell(focusId?: string): void {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('appTitle');
  shell = buildShell(
    { view: state.view, options: state.options, paused: state.paused, hasKey: storedKey() !== null },
    {
      t,
      onPage: (page, focus) => {
        if (page === state.view.page) return;
        state.view = { ...state.view, page };
        history.pushState(null, '', writeState(state.view));
        state.data = null;
        mountShell(focus ? `tab-${page}` : undefined);
        void load();
      },
      onRange: (from, to) => updateView({ from, to }, true),
      onFilter: (name, values) => updateView({ [name]: values }, false),
      onToggleLanguage: () => {
        state.lang = state.lang === 'en' ? 'zh' : 'en';
        safeStorage(() => localStorage.setItem(LANG_STORAGE, state.lang));
        mountShell('lang-toggle');
      },
      onTogglePause: () => {
        state.paused = !state.paused;
        mountShell('pause');
      },
      onRefresh: () => void load(),
      onKey: (key) => {
        storeKey(key);
        void start();
      },
      onForgetKey: () => {
        storeKey(null);
        state.session = null;
        state.data = null;
        mountShell();
        void start();
      },
    },
  );
  const app = document.getElementById('app')!;
  clear(app);
  app.append(shell.root);
  renderPage();
  if (focusId) document.getElementById(focusId)?.focus();
}

function updateView(change: Partial<ViewState>, reloadOptions: boolean): void {
  state.view = { ...state.view, ...change };
  history.replaceState(null, '', writeState(state.view));
  if (reloadOptions) void loadOptions();
  void load();
}

function renderStatus(): void {
  const parts = [];
  if (state.lastLoadedAt) parts.push(t('refresh.updated', { time: clock(state.lastLoadedAt) }));
  parts.push(state.paused ? t('refresh.paused') : t('refresh.every', { seconds: REFRESH_MS / 1000 }));
  shell.status.textContent = parts.join(' · ');
}

function renderPage(): void {
  const main = shell.main;
  destroyCharts();
  clear(main);
  renderStatus();
  main.setAttribute('aria-busy', String(state.loading && !state.data));
  if (state.error) main.append(h('p', { class: 'notice error', role: 'alert' }, state.error));
  const data = state.data;
  if (!data || data.page !== state.view.page) {
    if (!state.error && state.session) main.append(h('p', { class: 'loading' }, t('loading')));
    return;
  }
  main.dataset.generatedAt = data.generated_at;
  main.dataset.from = data.range.from;
  main.dataset.to = data.range.to;
  const mounted: Array<() => void> = [];
  const ctx: PageContext = {
    page: state.view.page,
    lang: state.lang,
    t,
    data,
    session: state.session!,
    alerts: state.alerts,
    ack: (alert) => void acknowledge(alert),
    onMounted: (draw) => mounted.push(draw),
  };
  for (const node of RENDERERS[data.page](ctx)) main.append(node);
  for (const draw of mounted) draw();
  main.dataset.rendered = data.generated_at;
}

async function acknowledge(alert: Alert): Promise<void> {
  const focusedRow = alert.id;
  state.alerts.acked.set(alert.id, 'pending');
  renderPage();
  try {
    await api.ack(alert.id);
    state.alerts.acked.set(alert.id, 'done');
  } catch (err) {
    state.alerts.acked.set(alert.id, err instanceof Error ? err.message : String(err));
  }
  renderPage();
  // Keep the keyboard where it was: on the row's status (or retry button).
  (shell.main.querySelector(`tr[data-alert-id="${CSS.escape(focusedRow)}"] [role="status"], tr[data-alert-id="${CSS.escape(focusedRow)}"] button`) as HTMLElement | null)?.focus();
}

async function loadOptions(): Promise<void> {
  try {
    const o = await api.filters(new URLSearchParams({ from: state.view.from, to: state.view.to }).toString());
    state.options = { team: o.team, priority: o.priority };
    const focused = document.activeElement?.id;
    mountShell(focused || undefined);
  } catch {
    // The filters keep their previous values; the page itself reports errors.
  }
}

async function load(): Promise<void> {
  if (!state.session) return;
  const mine = ++generation;
  state.loading = true;
  const page = state.view.page;
  try {
    const [data, alerts] = await Promise.all([api.page(page, apiQuery(state.view)), page === 'now' ? loadAlerts() : Promise.resolve(null)]);
    if (mine !== generation) return;
    state.data = data;
    if (alerts) state.alerts = { ...alerts, acked: state.alerts.acked };
    state.error = null;
    state.lastLoadedAt = Date.now();
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 401) return void askForKey(err.message);
    state.error = t('error.load', { message: err instanceof Error ? err.message : String(err) });
  } finally {
    if (mine === generation) state.loading = false;
  }
  const focused = document.activeElement;
  const keepFocus = focused && shell.main.contains(focused) ? focused.id || null : null;
  renderPage();
  if (keepFocus) document.getElementById(keepFocus)?.focus();
}

async function loadAlerts(): Promise<Omit<AlertsView, 'acked'>> {
  if (!state.session?.alerts) return { alerts: null, error: null };
  try {
    return { alerts: (await api.firingAlerts()).alerts, error: null };
  } catch (err) {
    return { alerts: [], error: err instanceof Error ? err.message : String(err) };
  }
}

function askForKey(message: string | null): void {
  state.session = null;
  shell.keyForm.hidden = false;
  shell.keyError.textContent = message && storedKey() ? t('key.invalid', { message }) : '';
  if (storedKey()) storeKey(null);
  renderPage();
  (shell.keyForm.querySelector('input') as HTMLInputElement).focus();
}

async function start(): Promise<void> {
  try {
    state.session = await api.session();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return askForKey(err.message);
    state.error = t('error.load', { message: err instanceof Error ? err.message : String(err) });
    renderPage();
    return;
  }
  state.error = null;
  mountShell();
  await Promise.all([loadOptions(), load()]);
}

function tick(): void {
  // Hidden tabs do not poll: nobody is looking, and the API has better things to do.
  if (document.hidden || state.paused || state.loading || !state.session) return;
  void load();
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && Date.now() - state.lastLoadedAt >= REFRESH_MS) tick();
});
window.addEventListener('popstate', () => {
  state.view = readState(location.search);
  state.data = null;
  mountShell();
  void load();
});

mountShell();
setInterval(tick, REFRESH_MS);
void start();
