// Links an alert carries: the configured URL templates filled from the alert, plus the
// ones the raising processor gave. A template whose placeholder has no value (a
// ticket URL for a team alert) is left out rather than sent half-filled.
import type { AlertsConfig } from '../../../core/config/alerts.ts';
import type { AlertLink } from '../types.ts';

/**
 * Labels of the configured links are stored as these keys and put in the reader's
 * language when a message is rendered (channels may differ in language).
 */
export const LINK_KEYS = ['ticket', 'dashboard', 'alert'] as const;

export interface LinkSource {
  id: string;
  kind: string;
  subject_type: string;
  subject_id: string;
  labels: Record<string, string>;
}

export function fillTemplate(template: string, vars: Record<string, string | undefined>): string | null {
  let missing = false;
  const url = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    return encodeURIComponent(v);
  });
  return missing ? null : url;
}

export function alertLinks(a: LinkSource, given: AlertLink[], links: AlertsConfig['links']): AlertLink[] {
  const vars: Record<string, string | undefined> = {
    ...a.labels,
    alert_id: a.id,
    kind: a.kind,
    subject_type: a.subject_type,
    subject_id: a.subject_id,
    ticket_id: a.subject_type === 'ticket' ? a.subject_id : a.labels.ticket_id,
  };
  const out: AlertLink[] = [];
  const add = (label: string, template: string | undefined) => {
    if (!template) return;
    const url = fillTemplate(template, vars);
    if (url) out.push({ label, url });
  };
  add('ticket', links.ticketUrl);
  add('dashboard', links.dashboardUrl);
  add('alert', links.alertUrl);
  for (const l of given) if (!out.some((o) => o.url === l.url)) out.push(l);
  return out;
}

/** Links for a digest: only templates that need nothing from a single alert. */
export function digestLinks(links: AlertsConfig['links']): AlertLink[] {
  const out: AlertLink[] = [];
  const dash = links.dashboardUrl ? fillTemplate(links.dashboardUrl, {}) : null;
  if (dash) out.push({ label: 'dashboard', url: dash });
  return out;
}
