// The words of every message, per language. Templates get structured facts and say
// them in the reader's language; nothing here is built from a processor's free text
// except the one-sentence summary it supplies.
import type { AlertLanguage, AlertSeverity } from '../../../core/config/alerts.ts';
import { EN } from './texts-en.ts';
import { ZH } from './texts-zh.ts';

export type DetailUnit = 'duration' | 'percent' | 'fraction' | 'ratio' | 'number';

export interface Texts {
  severity: Record<AlertSeverity, string>;
  tags: { resolved: string; digest: string; test: string };
  kinds: Record<string, string>;
  metrics: Record<string, string>;
  subjects: Record<string, string>;
  labels: Record<string, string>;
  details: Record<string, string>;
  links: { ticket: string; dashboard: string; alert: string };
  listSeparator: string;
  duration(ms: number): string;
  reminder(forMs: number): string;
  escalated(level: number, afterMs: number): string;
  severityRaised(severity: string): string;
  resolvedAuto(forMs: number): string;
  resolvedManual(by: string, forMs: number): string;
  acknowledgedBy(by: string): string;
  firedAt(time: string): string;
  alertRef(id: string): string;
  digestTitle(total: number, spanMs: number): string;
  digestHeadline(channel: string): string;
  digestBySeverity: string;
  digestByKind: string;
  digestByTeam: string;
  digestMore(n: number): string;
  testTitle(channel: string): string;
  testBody: string;
}

export function textsFor(language: AlertLanguage): Texts {
  return language === 'zh' ? ZH : EN;
}

/** How a detail value reads, from the convention in its name (docs/alerts.md, "Details"). */
export function detailUnit(key: string): DetailUnit {
  if (key.endsWith('_minutes')) return 'duration';
  if (key.endsWith('_pct')) return 'percent';
  if (key.endsWith('_fraction') || key.endsWith('_rate')) return 'fraction';
  if (key === 'ratio' || key.endsWith('_ratio')) return 'ratio';
  return 'number';
}
