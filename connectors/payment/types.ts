/** What the payment processor asks the gateway to charge. `amount` is in integer minor units (cents). */
export interface ChargeRequest {
  orderId: string;
  amount: number;
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
  paymentMethod: string;
}

export interface ChargeOptions {
  /** The same key on every attempt for one order (the saga uses the orderId), so a retry never charges twice. */
  idempotencyKey: string;
  /** Deadline of this one attempt; past it the outcome is RETRYABLE (the charge may or may not have happened). */
  timeoutMs: number;
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

/** The result of one refund attempt; REJECTED is final (unknown charge, already refunded, not refundable). */
export type RefundOutcome =
  | { outcome: 'REFUNDED'; refundId: string }
  | { outcome: 'REJECTED'; reason: string }
  | { outcome: 'RETRYABLE'; reason: string };
