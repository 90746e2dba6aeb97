// The public face of the alerts module: the service every processor raises through,
// the API port implementations, config validation, and the pieces tests and the CLI
// use directly (notifiers, message rendering).
export { createAlertService } from './service.ts';
export type { AlertService, AlertServiceOptions, AlertServiceEvents, AlertState, TickReport, TestSendResult } from './service.ts';
export { createAlertsStorePort } from './port.ts';
export { sendTestMessage, unknownChannel } from './test-message.ts';
export type { SendTestOptions } from './test-message.ts';
export { validateAlertsConfig, parseAlertsConfig, resolveChannels } from './config-validate.ts';
export type { ValidateAlertsOptions, ResolvedChannel } from './config-validate.ts';
export { AlertRouter, matches as routeMatches } from './routing.ts';
export type { RoutePlan, EscalationLevel } from './routing.ts';
export { KNOWN_ALERT_KINDS, SUBJECT_TYPES, SEVERITY_RANK } from './types.ts';
export type {
  AlertInput,
  AlertKind,
  KnownAlertKind,
  SubjectType,
  AlertSeverity,
  AlertLink,
  AlertRecord,
  DeliveryRecord,
  NotificationMessage,
  NotificationType,
  DigestContent,
} from './types.ts';
export { renderMessage, toPlainText, alertHeadline } from './messages/render.ts';
export type { RenderedMessage, RenderOptions } from './messages/render.ts';
export { buildDigest } from './messages/digest.ts';
export { NOTIFIERS, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature, dingtalkSign, dingtalkSignedUrl, WECOM_MAX_BYTES } from './notifiers/index.ts';
export type { Notifier, OutgoingRequest, SendOutcome, FetchLike } from './notifiers/index.ts';
export { sendMessage } from './dispatcher.ts';
export type { SendMessageOptions, DispatchReport } from './dispatcher.ts';
export { backoffDelayMs, parseRetryAfter } from './backoff.ts';
export { SlidingWindowLimiter } from './rate-limit.ts';
export { alertMetrics } from './metrics.ts';
export type { AlertMetrics } from './metrics.ts';
export { alertToDto, deliveryToDto } from './dto.ts';
