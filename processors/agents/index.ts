// Agent performance, skill scores and routing weights (docs/routing.md): metrics
// from the event log, empirical-Bayes scores, versioned routing weights served from
// memory (RoutingPort) and pushed to the routing core, coaching insights.
export { AgentsService, routingGroups } from './service.ts';
export type { AgentsServiceOptions, RecomputeReport, AlertSink, ClearSink } from './service.ts';
export { RoutingSnapshotStore, weightDto, scoreDto } from './snapshot-store.ts';
export { startSnapshotRefresh } from './snapshot-refresh.ts';
export type { SnapshotRefresh, SnapshotRefreshOptions } from './snapshot-refresh.ts';
export { agentsProcessorJob, startAgentsSchedule, reportDetails, AGENTS_JOB_NAME } from './schedule.ts';
export type { AgentsSchedule } from './schedule.ts';
export { parseAgentsConfig, agentsConfigOf } from './config.ts';
export { findCoachingInsights, findClearedInsights, coachingDedupKey } from './coaching.ts';
export type { AgentQualityAlert, CoachingMetric, CoachingOptions } from './coaching.ts';
export { scoreAgents, fitPopulation } from './scoring.ts';
export type { ScoringOptions } from './scoring.ts';
export { fitBetaPrior, betaPosterior, betaPriorSd, fitNormalPrior, normalPosterior } from './shrinkage.ts';
export type { BetaPrior, NormalPrior, PriorBounds, RateEstimate, Estimate, BinomialSample, NormalSample } from './shrinkage.ts';
export { betaQuantile, betaCdf, normalCdf, normalQuantile, spearman } from './distributions.ts';
export { planWeights, groupWeights, groupBands, targetShares, loadFactor, fitToBands } from './weights.ts';
export type { RoutingRules, GroupInput, GroupMember, PlanInput, WeightPlan } from './weights.ts';
export { queryAgentMetrics, queryOpenTickets } from './metrics-query.ts';
export type { AgentMetricsResult } from './metrics-query.ts';
export { buildMetricsQuery, buildNormsQuery, dimensionExpr } from './metrics-sql.ts';
export type { MetricsQueryOptions, CaseMixNorms } from './metrics-sql.ts';
export { probeSlaSource } from './sla-source.ts';
export type { SlaSource } from './sla-source.ts';
export { loadWeights, loadUpdate, latestWeightsVersion } from './snapshot-table.ts';
export {
  RoutingFeed,
  createRoutingFeed,
  clickHouseFeedStore,
  kafkaSink,
  webhookSink,
  webhookBody,
  agentMessages,
  versionKey,
  webhookSignature,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  IDEMPOTENCY_HEADER,
  UPDATE_TYPE,
} from './feed/index.ts';
export type { FeedSink, FeedStore, SinkStats, FeedFromConfigOptions } from './feed/index.ts';
export type {
  AgentSkillMetrics,
  AgentSkillScore,
  CompositeScore,
  RoutingUpdate,
  ScoreSnapshot,
  SkillPopulation,
  TimeBasis,
  TimeEstimate,
  WeightEntry,
  WeightSnapshot,
} from './types.ts';
