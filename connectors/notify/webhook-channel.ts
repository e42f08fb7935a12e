import { createLogger, type Logger } from '../../runtime/index.ts';
import { checkHttpUrl, checkNonEmpty, checkTimeoutMs } from '../http/options.ts';
import type { DeliveryOutcome, NotificationMessage } from '../../processors/ports.ts';
import type { NotificationChannel } from './channel.ts';
import { deliverOverHttp } from './http-delivery.ts';
import { signWebhookBody } from './webhook-signature.ts';

export { signWebhookBody, verifyWebhookSignature } from './webhook-signature.ts';

export interface WebhookChannelConfig {
  /** The subscriber's endpoint; every message goes here (recipients are not URLs, so data cannot redirect calls). */
  url: string;
  /** Shared with the subscriber; signs every body. */
  secret: string;
  /** Deadline of one attempt. Default 5000. */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Subscriber endpoints are someone else's servers: 5 s covers a slow but healthy receiver, and a
 * dead one costs one notification task at most that long per attempt.
 */
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Webhooks: HTTP POST of `{ orderId, recipient, subject, body, payload: { orderId, subject } }` as
 * JSON (the `payload` object is kept for subscribers that read it), with `X-Signature: sha256=<hex
 * HMAC-SHA256 of the raw body>` and `X-Idempotency-Key` (stable across retries, so the subscriber
 * can drop duplicates). 2xx delivered; 5xx, 408, 429, timeouts and connection errors retryable;
 * other 4xx final.
 */
export class WebhookChannel implements NotificationChannel {
  readonly channel = 'WEBHOOK' as const;
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(config: WebhookChannelConfig) {
    this.#url = checkHttpUrl('webhook.url', config.url);
    this.#secret = checkNonEmpty('webhook.secret', config.secret, true);
    this.#timeoutMs = checkTimeoutMs('webhook.timeoutMs', config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#logger = config.logger ?? createLogger('connectors.notify.webhook');
  }

  async send(message: NotificationMessage): Promise<DeliveryOutcome> {
    const rawBody = JSON.stringify({
      orderId: message.orderId,
      recipient: message.recipient,
      subject: message.subject,
      body: message.body,
      payload: { orderId: message.orderId, subject: message.subject },
    });
    const headers = {
      'x-signature': signWebhookBody(rawBody, this.#secret),
      'x-idempotency-key': message.idempotencyKey,
    };
    return deliverOverHttp(
      'webhook',
      message,
      { url: this.#url, rawBody, headers, timeoutMs: this.#timeoutMs },
      this.#logger,
    );
  }
}
