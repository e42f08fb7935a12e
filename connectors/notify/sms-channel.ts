import { createLogger, type Logger } from '../../runtime/index.ts';
import { checkHttpUrl, checkNonEmpty, checkTimeoutMs } from '../http/options.ts';
import type { DeliveryOutcome, NotificationMessage } from '../../processors/ports.ts';
import type { NotificationChannel } from './channel.ts';
import { deliverOverHttp } from './http-delivery.ts';

export interface SmsChannelConfig {
  /** The provider's send endpoint, e.g. `http://127.0.0.1:8091/v1/messages`. */
  providerUrl: string;
  apiKey: string;
  /** Header carrying the API key. Default `X-Api-Key`. */
  apiKeyHeader?: string;
  /** Sender id or number shown to the customer. */
  from: string;
  /** Deadline of one attempt. Default 5000. */
  timeoutMs?: number;
  logger?: Logger;
}

/** SMS APIs accept quickly and deliver asynchronously; 5 s means the provider itself is in trouble. */
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * SMS through an HTTP provider: POST `{ to, from, text, reference }` as JSON with the API key header
 * and an `Idempotency-Key`. SMS has no subject line, so only `body` is sent and must stand alone.
 * 2xx accepted; 5xx, 408, 429, timeouts and connection errors retryable; other 4xx (bad number,
 * bad key) final.
 */
export class SmsChannel implements NotificationChannel {
  readonly channel = 'SMS' as const;
  readonly #url: string;
  readonly #apiKey: string;
  readonly #apiKeyHeader: string;
  readonly #from: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(config: SmsChannelConfig) {
    this.#url = checkHttpUrl('sms.providerUrl', config.providerUrl);
    this.#apiKey = checkNonEmpty('sms.apiKey', config.apiKey, true);
    this.#apiKeyHeader = checkNonEmpty('sms.apiKeyHeader', config.apiKeyHeader ?? 'X-Api-Key').toLowerCase();
    this.#from = checkNonEmpty('sms.from', config.from);
    this.#timeoutMs = checkTimeoutMs('sms.timeoutMs', config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#logger = config.logger ?? createLogger('connectors.notify.sms');
  }

  async send(message: NotificationMessage): Promise<DeliveryOutcome> {
    const rawBody = JSON.stringify({
      to: message.recipient,
      from: this.#from,
      text: message.body,
      reference: message.orderId,
    });
    const headers = { [this.#apiKeyHeader]: this.#apiKey, 'idempotency-key': message.idempotencyKey };
    return deliverOverHttp(
      'sms',
      message,
      { url: this.#url, rawBody, headers, timeoutMs: this.#timeoutMs },
      this.#logger,
    );
  }
}
