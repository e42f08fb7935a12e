import { createHash } from 'node:crypto';

export type ChannelName = 'EMAIL' | 'SMS' | 'WEBHOOK';

/** What the notification processor wants delivered; each channel uses the fields it can carry. */
export interface NotificationMessage {
  orderId: string;
  /** An e-mail address, a phone number in E.164 (`+4915112345678`), or a webhook subscriber id. */
  recipient: string;
  subject: string;
  body: string;
  /** Structured data (the `OrderStatusChanged` event, say); sent as-is by the webhook channel. */
  payload: Record<string, unknown>;
  /**
   * Identifies this message across retries, so a receiver can drop duplicates. Pass one that is
   * stable per delivery (e.g. `${orderId}:${status}:${channel}`); by default it is derived from the
   * other fields, which is stable as long as they are.
   */
  idempotencyKey?: string;
}

/**
 * The result of one delivery attempt. `retryable: false` means another attempt cannot help
 * (rejected recipient, invalid request, bad credentials): record `NotificationFailed` and move on.
 */
export type DeliveryOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string };

/**
 * One way of reaching a customer or a system. `send` makes exactly one attempt and never throws for
 * delivery trouble; retries are the notification processor's punctuator-driven state.
 */
export interface NotificationChannel {
  readonly channel: ChannelName;
  send(message: NotificationMessage): Promise<DeliveryOutcome>;
}

/** The message's idempotency key: the given one, or a digest of what identifies the message. */
export function deliveryKey(channel: ChannelName, message: NotificationMessage): string {
  if (message.idempotencyKey !== undefined && message.idempotencyKey.length > 0)
    return message.idempotencyKey;
  const digest = createHash('sha256')
    .update(JSON.stringify([channel, message.orderId, message.recipient, message.subject, message.body]))
    .digest('hex');
  return `${message.orderId}:${digest.slice(0, 32)}`;
}
