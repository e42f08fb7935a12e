import { continueTrace, traceparentOf } from '../runtime/index.ts';
import type { KeyValueStore } from '../state-stores/index.ts';
import { PunctuationType, StreamRecord, type Processor, type ProcessorContext } from '../topology/index.ts';
import type { PaymentRequested, PaymentResult } from '../schemas/index.ts';
import { dueIds, dueKey } from './due-index.ts';
import { noSagaMetrics, type BackoffPolicy, type PaymentPort, type SagaMetricsPort } from './ports.ts';

export const PAYMENT_STORE = 'payment-store';
export const PAYMENT_RETRY_INDEX = 'payment-retry-index';

export interface PaymentState {
  request: PaymentRequested;
  attempts: number;
  status: 'RETRYING' | 'DONE';
  chargeId: string | null;
  /** When the next attempt is due (index key), while RETRYING. */
  nextAttemptAt: number | null;
  refunded: boolean;
  /** The order's trace (W3C traceparent of the request): a retry made later resumes it. */
  traceparent?: string | null;
}

export interface PaymentOptions {
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** How often due retries are looked for. */
  retryCheckIntervalMs: number;
  metrics?: SagaMetricsPort;
}

/**
 * Charges orders through the payment gateway with the orderId as idempotency key, so retries and
 * replays never charge twice. A retryable failure is not slept on: the next attempt is state in
 * the store (attempt count, due time in a time index) and a wall-clock punctuator makes it, so the
 * partition keeps flowing. After `maxAttempts` the payment FAILED and the saga compensates.
 */
export class PaymentProcessor implements Processor<string, PaymentRequested, string, PaymentResult> {
  private readonly options: PaymentOptions;
  private readonly gateway: PaymentPort;
  private readonly metrics: SagaMetricsPort;
  private context!: ProcessorContext<string, PaymentResult>;
  private payments!: KeyValueStore<string, PaymentState>;
  private retries!: KeyValueStore<string, string>;

  constructor(gateway: PaymentPort, options: PaymentOptions) {
    this.gateway = gateway;
    this.options = options;
    this.metrics = options.metrics ?? noSagaMetrics;
  }

  init(context: ProcessorContext<string, PaymentResult>): void {
    this.context = context;
    this.payments = context.getStateStore<KeyValueStore<string, PaymentState>>(PAYMENT_STORE);
    this.retries = context.getStateStore<KeyValueStore<string, string>>(PAYMENT_RETRY_INDEX);
    context.schedule(this.options.retryCheckIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) =>
      this.retryDue(now),
    );
  }

  async process(record: StreamRecord<string, PaymentRequested>): Promise<void> {
    const request = record.value;
    const existing = await this.payments.get(request.orderId);
    if (request.kind === 'REFUND') return this.refund(existing);
    if (existing) return; // One charge flow per order: a repeated request changes nothing.
    await this.attempt(
      {
        request,
        attempts: 0,
        status: 'RETRYING',
        chargeId: null,
        nextAttemptAt: null,
        refunded: false,
        traceparent: traceparentOf(record.headers),
      },
      record.timestamp,
    );
  }

  /** `headers`: those of a retry's span (see retryDue); a first attempt's result takes the record's trace. */
  private async attempt(
    state: PaymentState,
    timestamp: number,
    headers = new Map<string, Buffer>(),
  ): Promise<void> {
    const { request } = state;
    state.attempts++;
    const outcome = await this.gateway.charge(
      {
        orderId: request.orderId,
        amount: request.amount,
        currency: request.currency,
        paymentMethod: request.paymentMethod,
      },
      { idempotencyKey: request.orderId },
    );
    this.metrics.paymentAttempt(outcome.outcome);
    if (outcome.outcome === 'RETRYABLE' && state.attempts < this.options.maxAttempts) {
      state.nextAttemptAt = this.context.currentSystemTimeMs() + this.options.backoff(state.attempts);
      await this.retries.put(dueKey(state.nextAttemptAt, request.orderId), request.orderId);
      await this.payments.put(request.orderId, state);
      this.metrics.paymentRetry();
      return;
    }
    state.status = 'DONE';
    state.nextAttemptAt = null;
    state.chargeId = outcome.outcome === 'SUCCEEDED' ? outcome.chargeId : null;
    await this.payments.put(request.orderId, state);
    const result: PaymentResult = {
      orderId: request.orderId,
      outcome: outcome.outcome === 'RETRYABLE' ? 'FAILED' : outcome.outcome,
      attempts: state.attempts,
      chargeId: state.chargeId,
      reason:
        outcome.outcome === 'SUCCEEDED'
          ? null
          : outcome.outcome === 'RETRYABLE'
            ? `gave up after ${state.attempts} attempts: ${outcome.reason}`
            : outcome.reason,
    };
    this.metrics.paymentResult(result.outcome);
    this.context.forward(new StreamRecord(request.orderId, result, timestamp, headers));
  }

  private async retryDue(now: number): Promise<void> {
    for (const { key, id } of await dueIds(this.retries, now)) {
      await this.retries.delete(key);
      const state = await this.payments.get(id);
      if (!state || state.status !== 'RETRYING') continue;
      await continueTrace(
        state.traceparent,
        'payment retry',
        { 'order.id': id, 'payment.attempt': state.attempts + 1 },
        (headers) => this.attempt(state, now, headers),
      );
    }
  }

  private async refund(state: PaymentState | undefined): Promise<void> {
    if (!state?.chargeId || state.refunded) return;
    await this.gateway.refund(state.chargeId, `refund-${state.request.orderId}`);
    await this.payments.put(state.request.orderId, { ...state, refunded: true });
  }
}
