// Notifiers by channel type, and the HTTP helpers they share.
import type { AlertChannelType } from '../../../core/config/alerts.ts';
import { dingtalkNotifier } from './dingtalk.ts';
import { slackNotifier } from './slack.ts';
import type { Notifier } from './types.ts';
import { webhookNotifier } from './webhook.ts';
import { wecomNotifier } from './wecom.ts';

export const NOTIFIERS: Readonly<Record<AlertChannelType, Notifier>> = {
  webhook: webhookNotifier,
  slack: slackNotifier,
  dingtalk: dingtalkNotifier,
  wecom: wecomNotifier,
};

export { webhookNotifier, webhookSignature, webhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.ts';
export { slackNotifier } from './slack.ts';
export { dingtalkNotifier, dingtalkSign, dingtalkSignedUrl } from './dingtalk.ts';
export { wecomNotifier, WECOM_MAX_BYTES } from './wecom.ts';
export { post, interpretStatus, interpretErrcode, networkFailure } from './http.ts';
export type { FetchLike } from './http.ts';
export { IDEMPOTENCY_HEADER } from './types.ts';
export type { Notifier, OutgoingRequest, BuildContext, HttpResponse, SendOutcome } from './types.ts';
