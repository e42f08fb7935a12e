/**
 * The edges of the saga: what `app/` wires in and `processors/` receive by injection.
 * The fake third parties for tests and the demo are in `testing.ts` (the test SMTP server needs a
 * dev dependency, so production code must not import it through here). The types the connectors
 * share with the processors (ChargeRequest, ChargeOutcome, ChannelName, DeliveryOutcome,
 * NotificationMessage) are the ports' own, in `processors/ports.ts`.
 */
export { PaymentGatewayClient, classifyGatewayAnswer } from './payment/gateway-client.ts';
export type { PaymentGatewayClientOptions } from './payment/gateway-client.ts';
export type { ChargeOptions, RefundOutcome } from './payment/types.ts';

export type { NotificationChannel } from './notify/channel.ts';
export { EmailChannel, classifySmtpError } from './notify/email-channel.ts';
export type { EmailChannelConfig } from './notify/email-channel.ts';
export { SmsChannel } from './notify/sms-channel.ts';
export type { SmsChannelConfig } from './notify/sms-channel.ts';
export { WebhookChannel } from './notify/webhook-channel.ts';
export type { WebhookChannelConfig } from './notify/webhook-channel.ts';
export { signWebhookBody, verifyWebhookSignature } from './notify/webhook-signature.ts';

export { nextDelayMs, ceilingMs, retryPolicy } from './retry/backoff.ts';
export type { BackoffOptions, RandomSource, RetryPolicy, RetryPolicyConfig } from './retry/backoff.ts';

export { applyBatch, loadOffsets } from './postgres/order-status-sink.ts';
export { asUnavailableIfTransient, isTransientPgError } from './postgres/transient-errors.ts';
export type { ApplyBatchResult, OrderStatusChangedLike, SinkRecord } from './postgres/order-status-sink.ts';
export { migrate } from './postgres/migrate.ts';
