import { createLogger, type Logger } from '../../runtime/index.ts';
import { ValidationError } from '../../topology/index.ts';
import { checkHttpUrl, checkTimeoutMs } from '../http/options.ts';
import { isRetryableStatus, postJson, type HttpPostResult } from '../http/post-json.ts';
import type { ChargeOutcome, ChargeRequest } from '../../processors/ports.ts';
import type { ChargeOptions, RefundOutcome } from './types.ts';

export interface PaymentGatewayClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8090` (the client appends `/v1/...`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Deadline of a refund attempt when the caller gives none. */
  refundTimeoutMs?: number;
  logger?: Logger;
}

/**
 * A refund is compensation, run from a punctuator like the charge retries; 5 s is long enough for a
 * slow gateway and short enough that one stuck call does not hold back the other due retries.
 */
const DEFAULT_REFUND_TIMEOUT_MS = 5_000;

/**
 * Talks to the card gateway over HTTP: exactly ONE attempt per call, classified into an outcome.
 * It never sleeps or retries: the payment processor keeps attempts and due times as state driven by
 * a punctuator (see `retry/backoff.ts`), and passes the same idempotency key (the orderId) on every
 * attempt, so the gateway charges an order at most once however often it is retried.
 *
 * @example
 * const gateway = new PaymentGatewayClient({ baseUrl: 'http://127.0.0.1:8090' });
 * const result = await gateway.charge(
 *   { orderId: 'o-1', amount: 5997, currency: 'EUR', paymentMethod: 'card' },
 *   { idempotencyKey: 'o-1', timeoutMs: 2_000 },
 * );
 */
export class PaymentGatewayClient {
  readonly #baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #refundTimeoutMs: number;
  readonly #logger: Logger;

  constructor(options: PaymentGatewayClientOptions) {
    this.#baseUrl = checkHttpUrl('baseUrl', options.baseUrl);
    this.#apiKey = options.apiKey;
    this.#refundTimeoutMs = checkTimeoutMs(
      'refundTimeoutMs',
      options.refundTimeoutMs ?? DEFAULT_REFUND_TIMEOUT_MS,
    );
    this.#logger = options.logger ?? createLogger('connectors.payment');
  }

  /** One charge attempt. Throws only for a malformed request (a bug upstream), never for gateway trouble. */
  async charge(request: ChargeRequest, options: ChargeOptions): Promise<ChargeOutcome> {
    checkChargeRequest(request, options);
    const result = await postJson({
      url: `${this.#baseUrl}/v1/charges`,
      rawBody: JSON.stringify({
        orderId: request.orderId,
        amount: request.amount,
        currency: request.currency,
        paymentMethod: request.paymentMethod,
      }),
      headers: this.#headers(options.idempotencyKey),
      timeoutMs: options.timeoutMs,
    });
    const outcome = classifyGatewayAnswer('charge', result);
    const log = { orderId: request.orderId, idempotencyKey: options.idempotencyKey, ...outcome };
    if (result.kind === 'response' && (result.status === 401 || result.status === 403)) {
      this.#logger.error(log, 'payment gateway rejected our credentials');
    } else if (outcome.outcome === 'RETRYABLE') {
      this.#logger.warn(log, 'charge attempt failed, retryable');
    } else {
      this.#logger.debug(log, 'charge attempt finished');
    }
    return outcome;
  }

  /** One refund attempt, e.g. when a paid order must be compensated. Reuse the key on retries. */
  async refund(
    chargeId: string,
    idempotencyKey: string,
    options: { timeoutMs?: number } = {},
  ): Promise<RefundOutcome> {
    if (typeof chargeId !== 'string' || chargeId.length === 0) {
      throw new ValidationError('refund: chargeId must be a non-empty string');
    }
    checkKey(idempotencyKey);
    const timeoutMs = options.timeoutMs ?? this.#refundTimeoutMs;
    checkTimeout(timeoutMs);
    const result = await postJson({
      url: `${this.#baseUrl}/v1/refunds`,
      rawBody: JSON.stringify({ chargeId }),
      headers: this.#headers(idempotencyKey),
      timeoutMs,
    });
    const outcome = classifyGatewayAnswer('refund', result);
    const level = outcome.outcome === 'REFUNDED' ? 'debug' : 'warn';
    this.#logger[level]({ chargeId, idempotencyKey, ...outcome }, 'refund attempt finished');
    return outcome;
  }

  #headers(idempotencyKey: string): Record<string, string> {
    const headers: Record<string, string> = { 'idempotency-key': idempotencyKey };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }
}

/**
 * What the gateway's answer to one call means, in the words of that call (charge or refund): a 2xx
 * with an id is done (SUCCEEDED / REFUNDED); timeouts, connection errors, an unreadable 2xx (it may
 * still be done: the same key replays it), 5xx, 408, 429, 409 (the same key still in progress) and
 * 425 (too early) resolve by themselves and are RETRYABLE; any other 4xx is final (DECLINED /
 * REJECTED).
 */
export function classifyGatewayAnswer(call: 'charge', result: HttpPostResult): ChargeOutcome;
export function classifyGatewayAnswer(call: 'refund', result: HttpPostResult): RefundOutcome;
export function classifyGatewayAnswer(
  call: 'charge' | 'refund',
  result: HttpPostResult,
): ChargeOutcome | RefundOutcome {
  if (result.kind === 'timeout')
    return { outcome: 'RETRYABLE', reason: `timeout after ${result.timeoutMs} ms` };
  if (result.kind === 'network')
    return { outcome: 'RETRYABLE', reason: `connection error: ${result.reason}` };
  const { status, json } = result;
  if (status >= 200 && status < 300) {
    const id = (json as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id.length === 0)
      return { outcome: 'RETRYABLE', reason: `unreadable ${status} response` };
    return call === 'charge' ? { outcome: 'SUCCEEDED', chargeId: id } : { outcome: 'REFUNDED', refundId: id };
  }
  const reason = describeError(status, json);
  if (isRetryableStatus(status) || status === 409 || status === 425) return { outcome: 'RETRYABLE', reason };
  return { outcome: call === 'charge' ? 'DECLINED' : 'REJECTED', reason };
}

/** `card_declined (HTTP 402)`: the gateway's error code when it sent one, and always the status. */
function describeError(status: number, json: unknown): string {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code =
    typeof error?.code === 'string' ? error.code : typeof error?.message === 'string' ? error.message : null;
  return code === null ? `HTTP ${status}` : `${code} (HTTP ${status})`;
}

function checkChargeRequest(request: ChargeRequest, options: ChargeOptions): void {
  if (typeof request.orderId !== 'string' || request.orderId.length === 0) {
    throw new ValidationError('charge: orderId must be a non-empty string');
  }
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
    throw new ValidationError(
      `charge: amount must be a positive integer in minor units, got ${request.amount}`,
    );
  }
  if (typeof request.currency !== 'string' || !/^[A-Z]{3}$/.test(request.currency)) {
    throw new ValidationError(
      `charge: currency must be an ISO 4217 code, got ${JSON.stringify(request.currency)}`,
    );
  }
  if (typeof request.paymentMethod !== 'string' || request.paymentMethod.length === 0) {
    throw new ValidationError('charge: paymentMethod must be a non-empty string');
  }
  checkKey(options.idempotencyKey);
  checkTimeout(options.timeoutMs);
}

function checkKey(key: string): void {
  // Real gateways cap keys at 255 characters; refusing here beats a 400 classified as DECLINED.
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new ValidationError('idempotencyKey must be a string of 1 to 255 characters');
  }
}

function checkTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ValidationError(`timeoutMs must be a finite number > 0, got ${timeoutMs}`);
  }
}
