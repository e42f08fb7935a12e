/**
 * What the saga's processors need from the outside world, as small interfaces: the app wires real
 * connectors in, tests wire fakes. Processors never import connectors; connectors implement these
 * types (they import them from here, so each is defined once).
 */

/** What the payment processor asks the gateway to charge. `amount` is in integer minor units (cents). */
export interface ChargeRequest {
  orderId: string;
  amount: number;
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
  paymentMethod: string;
}

/**
 * The result of one charge attempt.
 * - SUCCEEDED: the money is taken; `chargeId` is what a refund needs.
 * - DECLINED: final; retrying the same request cannot succeed (card declined, limit, invalid request).
 * - RETRYABLE: unknown or transient (5xx, 429, timeout, connection error); retry with the SAME key.
 */
export type ChargeOutcome =
  | { outcome: 'SUCCEEDED'; chargeId: string }
  | { outcome: 'DECLINED'; reason: string }
  | { outcome: 'RETRYABLE'; reason: string };

export interface PaymentPort {
  charge(request: ChargeRequest, options: { idempotencyKey: string }): Promise<ChargeOutcome>;
  refund(chargeId: string, idempotencyKey: string): Promise<{ outcome: string }>;
}

/** The ways of reaching a customer or a system. */
export type ChannelName = 'EMAIL' | 'SMS' | 'WEBHOOK';

/**
 * The result of one delivery attempt. `retryable: false` means another attempt cannot help
 * (rejected recipient, invalid request, bad credentials): record `NotificationFailed` and move on.
 */
export type DeliveryOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string };

/** What the notification processor wants delivered; each channel uses the fields it can carry. */
export interface NotificationMessage {
  orderId: string;
  /** An e-mail address, a phone number in E.164 (`+4915112345678`), or a webhook subscriber id. */
  recipient: string;
  subject: string;
  body: string;
  /**
   * Identifies this message across retries, so a receiver can drop duplicates: the same on every
   * attempt of one delivery (the processor uses `${orderId}:${status}:${channel}`).
   */
  idempotencyKey: string;
}

export interface NotifierPort {
  send(channel: ChannelName, message: NotificationMessage): Promise<DeliveryOutcome>;
}

/** Why the inventory refused a reservation (a bounded set: it becomes a metric label). */
export type ReservationRejectReason = 'insufficient_stock' | 'unknown_sku' | 'already_released';

/** What a compensation undoes, and which saga outcome called for it. */
export type CompensationAction = 'release_stock' | 'refund';
export type CompensationCause = 'rejected' | 'payment_failed' | 'expired' | 'late_payment';

/**
 * Counters the app exposes as Prometheus metrics, called where the saga decides; tests may pass a
 * no-op. Counted in the processor, so a transaction that aborts and replays counts its records
 * again: the counters are for rates and alerts, the topics are the books.
 */
export interface SagaMetricsPort {
  duplicateOrder(): void;
  /** A status transition; `endToEndMs` from the order's creation when the status is terminal. */
  transition(status: string, endToEndMs: number | null): void;
  /** A new reservation refused (replayed requests are not counted again). */
  reservationRejected(reason: ReservationRejectReason): void;
  /** A decision that would have taken a SKU's stock below zero: must stay 0 (the inventory refuses it). */
  oversell(): void;
  /** One gateway call, by its outcome (SUCCEEDED, DECLINED, RETRYABLE). */
  paymentAttempt(outcome: string): void;
  /** A retryable failure scheduled for another attempt. */
  paymentRetry(): void;
  /** The payment's final result as the saga sees it (SUCCEEDED, DECLINED, FAILED after the retries). */
  paymentResult(outcome: string): void;
  compensation(action: CompensationAction, cause: CompensationCause): void;
  notification(channel: string, outcome: 'sent' | 'failed' | 'retry'): void;
}

export const noSagaMetrics: SagaMetricsPort = {
  duplicateOrder: () => undefined,
  transition: () => undefined,
  reservationRejected: () => undefined,
  oversell: () => undefined,
  paymentAttempt: () => undefined,
  paymentRetry: () => undefined,
  paymentResult: () => undefined,
  compensation: () => undefined,
  notification: () => undefined,
};

/** Backoff before retry number `attempt` (1-based); the app passes the connectors' exponential backoff with jitter. */
export type BackoffPolicy = (attempt: number) => number;
