// What every page renderer gets, and the frame around each panel: its title, the
// question it answers, and what to show when it is pending, failed or empty.
import type { OverviewPage } from '../../pages.ts';
import type { Alert, OverviewResponse, PanelResult, SessionInfo } from '../api-client.ts';
import { h } from '../dom.ts';
import type { Language, MessageKey } from '../i18n.ts';

export interface AlertsView {
  /** null: this process serves no alerts. */
  alerts: Alert[] | null;
  error: string | null;
  /** Alert ids acknowledged from this page, with the outcome. */
  acked: Map<string, 'pending' | 'done' | string>;
}

export interface PageContext {
  page: OverviewPage;
  lang: Language;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  data: OverviewResponse;
  session: SessionInfo;
  alerts: AlertsView;
  ack: (alert: Alert) => void;
  /** Runs `draw` once the page's nodes are in the document (charts measure their host). */
  onMounted: (draw: () => void) => void;
}

export type PageRenderer = (ctx: PageContext) => Node[];

export function panelOf(ctx: PageContext, key: string): PanelResult | undefined {
  return ctx.data.panels.find((p) => p.key === key);
}

/**
 * A section for one panel: heading, the panel's question as a hint, then the body —
 * or the reason there is none. `body` runs only when the panel has rows.
 */
export function panelSection(ctx: PageContext, heading: string, panel: PanelResult | undefined, body: () => Array<Node | null>, opts: { empty?: string } = {}): HTMLElement {
  const headingId = `h-${panel?.key ?? heading.replace(/\W+/g, '-')}`;
  const section = h('section', { class: 'panel', 'aria-labelledby': headingId, 'data-panel': panel?.key, 'data-status': panel?.status ?? 'missing' });
  section.append(h('h2', { id: headingId }, heading));
  if (panel?.question) section.append(h('p', { class: 'question' }, panel.question));
  if (!panel || panel.status === 'pending') {
    section.append(h('p', { class: 'notice' }, ctx.t('panel.pending')));
  } else if (panel.status === 'error') {
    section.append(h('p', { class: 'notice error', role: 'status' }, ctx.t('panel.error', { message: panel.error?.message ?? '' })));
  } else if (panel.rows.length === 0) {
    section.append(h('p', { class: 'notice empty' }, opts.empty ?? ctx.t('panel.empty')));
  } else {
    for (const node of body()) if (node) section.append(node);
    if (panel.truncated) section.append(h('p', { class: 'notice' }, ctx.t('panel.truncated', { n: panel.rows.length })));
  }
  return section;
}

export const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

export const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
