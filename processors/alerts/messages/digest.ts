// A digest stands for many notifications when a channel's rate limit is reached: it
// counts all of them (by severity, kind, team) and names the most severe few, so a
// storm of 10,000 breaches reads as one message that still adds up.
import { SEVERITY_RANK, type DeliveryRecord, type DigestContent, type DigestItem, type AlertLink } from '../types.ts';

export function buildDigest(channel: string, members: readonly DeliveryRecord[], maxItems: number, links: AlertLink[]): DigestContent {
  const bySeverity: Record<string, number> = {};
  const byNotification: Record<string, number> = {};
  const byKind = new Map<string, number>();
  const byTeam = new Map<string, number>();
  const items: DigestItem[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const d of members) {
    if (d.message.type !== 'alert') continue;
    const a = d.message.alert;
    bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
    byNotification[d.notification] = (byNotification[d.notification] ?? 0) + 1;
    byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
    const team = a.labels.team ?? '';
    if (team) byTeam.set(team, (byTeam.get(team) ?? 0) + 1);
    first = Math.min(first, d.created_at);
    last = Math.max(last, d.created_at);
    items.push({
      alert_id: a.id,
      kind: a.kind,
      severity: a.severity,
      notification: d.notification,
      subject_type: a.subject_type,
      subject_id: a.subject_id,
      summary: a.summary,
      team,
      metric: a.labels.metric ?? '',
    });
  }
  // Most severe first, then oldest: the ones a reader should open first.
  items.sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity]);
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
  return {
    channel,
    total: members.length,
    first_at: Number.isFinite(first) ? first : 0,
    last_at: Number.isFinite(last) ? last : 0,
    by_severity: bySeverity,
    by_kind: top(byKind, 5).map(([kind, count]) => ({ kind, count })),
    by_team: top(byTeam, 5).map(([team, count]) => ({ team, count })),
    by_notification: byNotification,
    items: items.slice(0, maxItems),
    links,
  };
}
