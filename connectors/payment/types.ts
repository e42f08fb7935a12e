/** The gateway client's own terms; the charge request and outcome are the payment port's (`processors/ports.ts`). */
export interface ChargeOptions {
  /** The same key on every attempt for one order (the saga uses the orderId), so a retry never charges twice. */
  idempotencyKey: string;
  /** Deadline of this one attempt; past it the outcome is RETRYABLE (the charge may or may not have happened). */
  timeoutMs: number;
}

/** The result of one refund attempt; REJECTED is final (unknown charge, already refunded, not refundable). */
export type RefundOutcome =
  | { outcome: 'REFUNDED'; refundId: string }
  | { outcome: 'REJECTED'; reason: string }
  | { outcome: 'RETRYABLE'; reason: string };
