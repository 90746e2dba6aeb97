// The frame around the pages: title, language toggle, refresh status, filters, the
// page tabs (a WAI-ARIA tablist: arrow keys, Home and End move between tabs), and
// the API-key form. Rebuilt when the language changes; main.ts owns the state.
import { OVERVIEW_PAGES, REFRESH_MS, type OverviewPage } from '../pages.ts';
import { h } from './dom.ts';
import { dateTime } from './format.ts';
import type { MessageKey } from './i18n.ts';
import { RANGE_PRESETS, presetOf, type ViewState } from './url-state.ts';

export interface ShellHandlers {
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  onPage(page: OverviewPage, focus: boolean): void;
  onRange(from: string, to: string): void;
  onFilter(name: 'team' | 'priority', values: string[]): void;
  onToggleLanguage(): void;
  onTogglePause(): void;
  onRefresh(): void;
  onKey(key: string): void;
  onForgetKey(): void;
}

export interface ShellModel {
  view: ViewState;
  options: { team: string[]; priority: string[] };
  paused: boolean;
  hasKey: boolean;
}

export interface Shell {
  root: HTMLElement;
  main: HTMLElement;
  status: HTMLElement;
  keyForm: HTMLFormElement;
  keyError: HTMLElement;
}

export function buildShell(model: ShellModel, on: ShellHandlers): Shell {
  const { t } = on;
  // Not a live region: announcing the clock every 10 s would drown a screen reader.
  const status = h('p', { class: 'refresh-status', id: 'refresh-status' });
  const header = h(
    'header',
    { class: 'top' },
    h('h1', {}, t('appTitle')),
    h(
      'div',
      { class: 'top-actions' },
      status,
      button('refresh-now', t('refresh.now'), on.onRefresh),
      button('pause', model.paused ? t('refresh.resume') : t('refresh.pause'), on.onTogglePause, { 'aria-pressed': String(model.paused) }),
      button('lang-toggle', t('languageToggle'), on.onToggleLanguage, { 'aria-label': `${t('language')}: ${t('languageToggle')}`, lang: t('languageToggle') === '中文' ? 'zh' : 'en' }),
      model.hasKey ? button('forget-key', t('key.forget'), on.onForgetKey) : null,
    ),
  );

  const filters = h('form', { class: 'filters', 'aria-label': t('filter.range') });
  filters.addEventListener('submit', (e) => e.preventDefault());
  filters.append(rangeSelect(model.view, on), filterSelect('team', t('filter.team'), model.view.team, model.options.team, on), filterSelect('priority', t('filter.priority'), model.view.priority, model.options.priority, on));

  const tablist = h('div', { role: 'tablist', 'aria-label': t('tabsLabel'), class: 'tabs' });
  for (const page of OVERVIEW_PAGES) {
    const selected = page === model.view.page;
    const tab = h('button', { type: 'button', role: 'tab', id: `tab-${page}`, 'aria-selected': String(selected), 'aria-controls': 'page', tabindex: selected ? 0 : -1, 'data-page': page }, t(`page.${page}` as MessageKey));
    tab.addEventListener('click', () => on.onPage(page, false));
    tab.addEventListener('keydown', (e) => {
      const i = OVERVIEW_PAGES.indexOf(page);
      const n = OVERVIEW_PAGES.length;
      const target = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
      if (target === undefined) return;
      e.preventDefault();
      on.onPage(OVERVIEW_PAGES[target], true);
    });
    tablist.append(tab);
  }

  const keyError = h('p', { class: 'error', role: 'alert' });
  const keyInput = h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const keyForm = h(
    'form',
    { class: 'key-form', hidden: true, 'aria-labelledby': 'key-title' },
    h('h2', { id: 'key-title' }, t('key.title')),
    h('p', {}, t('key.explain')),
    h('label', { for: 'api-key' }, t('key.label')),
    keyInput,
    h('button', { type: 'submit' }, t('key.submit')),
    keyError,
  );
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (keyInput.value.trim()) on.onKey(keyInput.value.trim());
  });

  const main = h('main', { id: 'page', role: 'tabpanel', 'aria-labelledby': `tab-${model.view.page}`, tabindex: 0, 'data-page': model.view.page });
  const root = h('div', { class: 'shell' }, header, keyForm, filters, tablist, main);
  status.textContent = t('refresh.every', { seconds: REFRESH_MS / 1000 });
  return { root, main, status, keyForm, keyError };
}

function button(id: string, label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', id, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

function rangeSelect(view: ViewState, on: ShellHandlers): HTMLElement {
  const { t } = on;
  const preset = presetOf(view);
  const select = h('select', { id: 'range' });
  if (!preset) select.append(h('option', { value: '', selected: true }, t('range.custom', { from: rangeEnd(view.from), to: rangeEnd(view.to) })));
  for (const p of RANGE_PRESETS) select.append(h('option', { value: p, selected: p === preset }, t(`range.${p}` as MessageKey)));
  select.addEventListener('change', () => {
    if (select.value) on.onRange(`now-${select.value}`, 'now');
  });
  return h('div', { class: 'field' }, h('label', { for: 'range' }, t('filter.range')), select);
}

/** An absolute end (ISO-8601, epoch ms) as local time; a relative one (now-2h) as written. */
function rangeEnd(value: string): string {
  if (value.startsWith('now')) return value;
  return dateTime(/^\d+$/.test(value) ? Number(value) : value);
}

function filterSelect(name: 'team' | 'priority', label: string, selected: string[], options: string[], on: ShellHandlers): HTMLElement {
  const select = h('select', { id: `filter-${name}`, name });
  select.append(h('option', { value: '', selected: selected.length === 0 }, on.t('filter.all')));
  const current = selected.join(',');
  // A shared link may select values this range does not offer (or several at once): keep them selectable.
  const values = [...new Set([...options, ...(selected.length > 0 ? [current] : [])])];
  for (const v of values) select.append(h('option', { value: v, selected: v === current }, v));
  select.addEventListener('change', () => on.onFilter(name, select.value ? select.value.split(',') : []));
  return h('div', { class: 'field' }, h('label', { for: `filter-${name}` }, label), select);
}
