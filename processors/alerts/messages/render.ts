// Turns what a delivery carries (an alert snapshot, a digest, a test) into a message
// in the channel's language: what happened (title, headline), how bad (severity and
// the numbers), where to look (links). Notifiers only change the markup.
import type { AlertLanguage, AlertSeverity } from '../../../core/config/alerts.ts';
import type { AlertLink, AlertRecord, DigestContent, NotificationMessage } from '../types.ts';
import { formatNumber, formatTime } from './format.ts';
import { detailUnit, textsFor, type Texts } from './texts.ts';

export type MessageTone = AlertSeverity | 'resolved' | 'digest' | 'test';

export interface RenderedMessage {
  language: AlertLanguage;
  tone: MessageTone;
  /** One plain line: tag, what, which subject. */
  title: string;
  /** Plain sentences: what changed, then the processor's summary. */
  lines: string[];
  facts: Array<{ label: string; value: string }>;
  /** Digest entries, one line each. */
  list: string[];
  links: AlertLink[];
  footer: string;
}

export interface RenderOptions {
  language: AlertLanguage;
  timezone: string;
}

/** Labels shown as facts, in this order (others still route, but stay out of the message). */
const SHOWN_LABELS = ['team', 'priority', 'tier', 'tenant', 'category', 'product', 'agent', 'escalation'];

export function renderMessage(message: NotificationMessage, opts: RenderOptions): RenderedMessage {
  const t = textsFor(opts.language);
  if (message.type === 'digest') return renderDigest(message.digest, opts, t);
  if (message.type === 'test') {
    return {
      language: opts.language,
      tone: 'test',
      title: `[${t.tags.test}] ${t.testTitle(message.channel)}`,
      lines: [t.testBody],
      facts: [],
      list: [],
      links: [],
      footer: formatTime(message.sent_at, opts.timezone),
    };
  }
  const a = message.alert;
  const resolved = message.notification === 'resolved';
  const tag = resolved ? t.tags.resolved : t.severity[a.severity];
  const lines: string[] = [];
  const since = (at: number) => Math.max(0, at - a.fired_at);
  switch (message.notification) {
    case 'reminder':
      lines.push(t.reminder(since(a.updated_at)));
      break;
    case 'escalated':
      lines.push(t.escalated(message.escalation_level, since(a.updated_at)));
      break;
    case 'severity_raised':
      lines.push(t.severityRaised(t.severity[a.severity]));
      break;
    case 'resolved':
      lines.push(a.resolution === 'auto' ? t.resolvedAuto(since(a.resolved_at ?? a.updated_at)) : t.resolvedManual(a.resolved_by || '?', since(a.resolved_at ?? a.updated_at)));
      break;
    default:
      break;
  }
  // Processors write the summary in English. For the kinds the templates know, title
  // and facts already say everything, so other languages leave the sentence out.
  if (opts.language === 'en' || !(a.kind in t.kinds)) lines.push(a.summary);
  const facts = [
    ...detailFacts(a.details, opts.language, t),
    ...SHOWN_LABELS.filter((k) => a.labels[k]).map((k) => ({ label: t.labels[k] ?? k, value: a.labels[k] })),
  ];
  return {
    language: opts.language,
    tone: resolved ? 'resolved' : a.severity,
    title: `[${tag}] ${alertHeadline(a, t, opts.language)}`,
    lines,
    facts,
    list: [],
    links: localLinks(a.links, t),
    footer: `${t.firedAt(formatTime(a.fired_at, opts.timezone))} · ${t.alertRef(a.id)}`,
  };
}

function localLinks(links: AlertLink[], t: Texts): AlertLink[] {
  return links.map((l) => ({ label: t.links[l.label as keyof Texts['links']] ?? l.label, url: l.url }));
}

/** 'SLA breached: first response — ticket T-1042' */
export function alertHeadline(a: Pick<AlertRecord, 'kind' | 'labels' | 'subject_type' | 'subject_id'>, t: Texts, language: AlertLanguage): string {
  const kind = t.kinds[a.kind] ?? a.kind.replace(/_/g, ' ');
  const metric = a.labels.metric ? (t.metrics[a.labels.metric] ?? a.labels.metric) : '';
  const colon = language === 'zh' ? '：' : ': ';
  const subject = `${t.subjects[a.subject_type] ?? a.subject_type} ${a.subject_id}`;
  return `${kind}${metric ? `${colon}${metric}` : ''} — ${subject}`;
}

export function formatDetail(key: string, value: number, language: AlertLanguage, t: Texts): string {
  switch (detailUnit(key)) {
    case 'duration':
      return t.duration(value * 60_000);
    case 'percent':
      return `${formatNumber(value, language)}%`;
    case 'fraction':
      return `${formatNumber(value * 100, language)}%`;
    case 'ratio':
      return `×${formatNumber(value, language, 2)}`;
    default:
      return formatNumber(value, language, 2);
  }
}

function detailFacts(details: Record<string, number>, language: AlertLanguage, t: Texts): Array<{ label: string; value: string }> {
  return Object.entries(details).map(([k, v]) => ({ label: t.details[k] ?? k, value: formatDetail(k, v, language, t) }));
}

function renderDigest(d: DigestContent, opts: RenderOptions, t: Texts): RenderedMessage {
  const sep = t.listSeparator;
  const severities = (['critical', 'warning', 'info'] as const).filter((s) => (d.by_severity[s] ?? 0) > 0);
  const facts = [
    { label: t.digestBySeverity, value: severities.map((s) => `${t.severity[s]} ${formatNumber(d.by_severity[s], opts.language)}`).join(sep) },
    { label: t.digestByKind, value: d.by_kind.map((k) => `${t.kinds[k.kind] ?? k.kind} ${formatNumber(k.count, opts.language)}`).join(sep) },
  ];
  if (d.by_team.length > 0) {
    facts.push({ label: t.digestByTeam, value: d.by_team.map((x) => `${x.team} ${formatNumber(x.count, opts.language)}`).join(sep) });
  }
  const list = d.items.map((i) => {
    const tag = i.notification === 'resolved' ? t.tags.resolved : t.severity[i.severity];
    const team = i.team ? ` · ${i.team}` : '';
    return `[${tag}] ${alertHeadline({ kind: i.kind, labels: i.metric ? { metric: i.metric } : {}, subject_type: i.subject_type, subject_id: i.subject_id }, t, opts.language)}${team}`;
  });
  if (d.total > d.items.length) list.push(t.digestMore(d.total - d.items.length));
  return {
    language: opts.language,
    tone: 'digest',
    title: `[${t.tags.digest}] ${t.digestTitle(d.total, d.last_at - d.first_at)}`,
    lines: [t.digestHeadline(d.channel)],
    facts,
    list,
    links: localLinks(d.links, t),
    footer: `${formatTime(d.first_at, opts.timezone)} – ${formatTime(d.last_at, opts.timezone)}`,
  };
}

/** The whole message as plain text (generic webhook `text`, logs, the demo's console). */
export function toPlainText(m: RenderedMessage): string {
  const parts = [m.title, ...m.lines];
  if (m.facts.length) parts.push(m.facts.map((f) => `${f.label}: ${f.value}`).join('\n'));
  if (m.list.length) parts.push(m.list.map((l) => `- ${l}`).join('\n'));
  if (m.links.length) parts.push(m.links.map((l) => `${l.label}: ${l.url}`).join('\n'));
  parts.push(m.footer);
  return parts.join('\n');
}
