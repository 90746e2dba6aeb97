import type { Texts } from './texts.ts';
import { formatNumber } from './format.ts';

function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return `${Math.max(0, Math.round(ms / 1000))}秒`;
  if (min < 60) return `${min}分钟`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h > 0 ? `${d}天${h}小时` : `${d}天`;
  return m > 0 ? `${h}小时${m}分钟` : `${h}小时`;
}

export const ZH: Texts = {
  severity: { critical: '严重', warning: '警告', info: '提示' },
  tags: { resolved: '已恢复', digest: '汇总', test: '测试' },
  kinds: {
    sla_at_risk: 'SLA 即将超时',
    sla_breached: 'SLA 已超时',
    sla_escalated: 'SLA 升级',
    sla_compliance_low: 'SLA 达成率偏低',
    volume_surge: '工单量激增',
    root_cause_batch: '同源问题批量工单',
    agent_quality: '客服质量预警',
  },
  metrics: { first_response: '首次响应', next_reply: '后续回复', resolution: '解决时长' },
  subjects: {
    ticket: '工单',
    team: '团队',
    category: '类别',
    cluster: '批次',
    agent: '客服',
    tenant: '租户',
    product: '产品',
    queue: '队列',
    system: '系统',
  },
  labels: { team: '团队', priority: '优先级', tier: '客户等级', tenant: '租户', category: '类别', product: '产品', agent: '客服', escalation: '升级对象' },
  details: {
    target_minutes: '目标时长',
    elapsed_minutes: '已用时长',
    remaining_minutes: '剩余时间',
    overdue_minutes: '已超时',
    no_reply_minutes: '客服未回复时长',
    used_fraction: '已用比例',
    level: '升级级别',
    expected: '预期',
    observed: '实际',
    ratio: '实际/预期',
    z_score: 'z 分数',
    window_minutes: '时间窗口',
    compliance_pct: '达成率',
    target_pct: '目标达成率',
    tickets: '工单数',
    breached: '超时数',
    customers: '客户数',
    csat: '满意度',
    reopen_rate: '重开率',
    similarity: '相似度',
  },
  links: { ticket: '打开工单', dashboard: '仪表盘', alert: '告警详情' },
  listSeparator: '，',
  duration,
  reminder: (forMs) => `已持续${duration(forMs)}，仍未确认。`,
  escalated: (level, afterMs) => `已升级至第 ${level} 级：触发${duration(afterMs)}后仍未确认。`,
  severityRaised: (severity) => `级别升至${severity}。`,
  resolvedAuto: (forMs) => `已自动恢复：持续${duration(forMs)}后条件解除。`,
  resolvedManual: (by, forMs) => `已由 ${by} 处理，持续${duration(forMs)}。`,
  acknowledgedBy: (by) => `已由 ${by} 确认。`,
  firedAt: (time) => `触发时间 ${time}`,
  alertRef: (id) => `告警 ${id}`,
  digestTitle: (total, spanMs) => `${duration(spanMs)}内 ${formatNumber(total, 'zh')} 条告警`,
  digestHeadline: (channel) => `告警数量超过 ${channel} 的发送频率上限，已合并为汇总消息；每条告警均已在 TicketPulse 中保存。`,
  digestBySeverity: '按级别',
  digestByKind: '按类型',
  digestByTeam: '主要团队',
  digestMore: (n) => `……另有 ${formatNumber(n, 'zh')} 条`,
  testTitle: (channel) => `TicketPulse 测试消息（通道 ${channel}）`,
  testBody: '收到这条消息，说明告警可以送达此通道。',
};
