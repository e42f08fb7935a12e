/**
 * What the saga's processors need from the outside world, as small interfaces: the app wires real
 * connectors in, tests wire fakes. Processors never import connectors.
 */
export type ChargeOutcome =
  | { outcome: 'SUCCEEDED'; chargeId: string }
  | { outcome: 'DECLINED'; reason: string }
  | { outcome: 'RETRYABLE'; reason: string };

export interface PaymentPort {
  charge(
    request: { orderId: string; amount: number; currency: string; paymentMethod: string },
    options: { idempotencyKey: string },
  ): Promise<ChargeOutcome>;
  refund(chargeId: string, idempotencyKey: string): Promise<{ outcome: string }>;
}

export type DeliveryOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string };

export interface NotificationMessage {
  orderId: string;
  recipient: string;
  subject: string;
  body: string;
  idempotencyKey: string;
}

export interface NotifierPort {
  send(channel: 'EMAIL' | 'SMS' | 'WEBHOOK', message: NotificationMessage): Promise<DeliveryOutcome>;
}

/** Counters the app exposes as Prometheus metrics; tests may pass a no-op. */
export interface SagaMetricsPort {
  duplicateOrder(): void;
  transition(status: string, endToEndMs: number | null): void;
  paymentAttempt(outcome: string): void;
  notification(channel: string, outcome: 'sent' | 'failed' | 'retry'): void;
}

export const noSagaMetrics: SagaMetricsPort = {
  duplicateOrder: () => undefined,
  transition: () => undefined,
  paymentAttempt: () => undefined,
  notification: () => undefined,
};

/** Backoff before retry number `attempt` (1-based); the app passes the connectors' exponential backoff with jitter. */
export type BackoffPolicy = (attempt: number) => number;
