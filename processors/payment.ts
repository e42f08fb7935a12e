import { continueTrace, traceparentOf } from '../runtime/index.ts';
import type { KeyValueStore } from '../state-stores/index.ts';
import { PunctuationType, StreamRecord, type Processor, type ProcessorContext } from '../topology/index.ts';
import type { PaymentRequested, PaymentResult } from '../schemas/index.ts';
import { adoptLostCalls, dueIds, dueKey } from './due-index.ts';
import { OutstandingCalls } from './outstanding-calls.ts';
import {
  noSagaMetrics,
  type BackoffPolicy,
  type ChargeOutcome,
  type PaymentPort,
  type SagaMetricsPort,
} from './ports.ts';

export const PAYMENT_STORE = 'payment-store';
export const PAYMENT_RETRY_INDEX = 'payment-retry-index';

export interface PaymentState {
  request: PaymentRequested;
  attempts: number;
  /** CHARGING: a gateway call is out (its answer is applied by a punctuator). */
  status: 'CHARGING' | 'RETRYING' | 'DONE';
  chargeId: string | null;
  /**
   * Index key time, while not DONE: when RETRYING, when the next attempt is due; when CHARGING,
   * when the call counts as lost (the process that made it died) and is made again.
   */
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
  /**
   * Gateway calls one task keeps out at once. Each call waits on the network, not on this
   * process, so calls for different orders overlap; at the limit, the next request waits for one.
   */
  maxInFlight: number;
  /** How often answered calls are applied while calls are out (the result's added latency). */
  completionCheckIntervalMs: number;
  /**
   * A call still CHARGING in the store this long after it was made is made again (same
   * idempotency key): the process that made it died before its answer was committed. Longer than
   * the gateway client's own timeout, so a live call has always answered by then.
   */
  lostCallAfterMs: number;
  metrics?: SagaMetricsPort;
}

interface Charge {
  state: PaymentState;
  timestamp: number;
  /** Trace headers for the result: the span that made the call. */
  headers: Map<string, Buffer>;
}

/**
 * Charges orders through the payment gateway with the orderId as idempotency key, so retries and
 * replays never charge twice.
 *
 * Calls overlap: a request starts its gateway call, records CHARGING in the store and returns, so
 * the partition keeps flowing while the gateway answers (one call at a time per partition capped
 * the whole saga at partitions ÷ gateway latency). A punctuator applies the answers — a result
 * forwarded, or a retry scheduled — inside the transaction of the moment. Should the process die
 * with calls out, their CHARGING entries (committed with the requests that made them) are found in
 * the time index and the calls made again under the same key: the gateway answers the stored
 * result instead of charging twice.
 *
 * A retryable failure is not slept on either: the next attempt is state in the store (attempt
 * count, due time in the index) and a wall-clock punctuator makes it. After `maxAttempts` the
 * payment FAILED and the saga compensates.
 */
export class PaymentProcessor implements Processor<string, PaymentRequested, string, PaymentResult> {
  private readonly options: PaymentOptions;
  private readonly gateway: PaymentPort;
  private readonly metrics: SagaMetricsPort;
  private context!: ProcessorContext<string, PaymentResult>;
  private payments!: KeyValueStore<string, PaymentState>;
  private retries!: KeyValueStore<string, string>;
  private readonly calls: OutstandingCalls<Charge, ChargeOutcome>;
  /** Calls left CHARGING by an earlier owner of this task are looked for once, at the first retry check. */
  private adoptedLostCalls = false;

  constructor(gateway: PaymentPort, options: PaymentOptions) {
    this.gateway = gateway;
    this.options = options;
    this.metrics = options.metrics ?? noSagaMetrics;
    this.calls = new OutstandingCalls(
      { maxInFlight: options.maxInFlight, checkIntervalMs: options.completionCheckIntervalMs },
      (charge, outcome) => this.apply(charge, outcome),
    );
  }

  init(context: ProcessorContext<string, PaymentResult>): void {
    this.context = context;
    this.payments = context.getStateStore<KeyValueStore<string, PaymentState>>(PAYMENT_STORE);
    this.retries = context.getStateStore<KeyValueStore<string, string>>(PAYMENT_RETRY_INDEX);
    this.calls.init(context);
    context.schedule(this.options.retryCheckIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) =>
      this.retryDue(now),
    );
  }

  async process(record: StreamRecord<string, PaymentRequested>): Promise<void> {
    const request = record.value;
    const existing = await this.payments.get(request.orderId);
    if (request.kind === 'REFUND') return this.refund(existing);
    if (existing) return; // One charge flow per order: a repeated request changes nothing.
    const traceparent = traceparentOf(record.headers);
    await this.call(
      {
        request,
        attempts: 0,
        status: 'CHARGING',
        chargeId: null,
        nextAttemptAt: null,
        refunded: false,
        traceparent,
      },
      record.timestamp,
      traceparent ? new Map([['traceparent', Buffer.from(traceparent)]]) : new Map(),
    );
  }

  close(): void {
    this.calls.close();
  }

  /** Makes one gateway call without waiting for its answer; waits only when `maxInFlight` are out. */
  private async call(state: PaymentState, timestamp: number, headers: Map<string, Buffer>): Promise<void> {
    const { request } = state;
    if (state.nextAttemptAt !== null) await this.retries.delete(dueKey(state.nextAttemptAt, request.orderId));
    state.attempts++;
    state.status = 'CHARGING';
    state.nextAttemptAt = this.context.currentSystemTimeMs() + this.options.lostCallAfterMs;
    await this.retries.put(dueKey(state.nextAttemptAt, request.orderId), request.orderId);
    await this.payments.put(request.orderId, state);
    await this.calls.start(
      request.orderId,
      { state, timestamp, headers },
      () =>
        this.gateway.charge(
          {
            orderId: request.orderId,
            amount: request.amount,
            currency: request.currency,
            paymentMethod: request.paymentMethod,
          },
          { idempotencyKey: request.orderId },
        ),
      (error): ChargeOutcome => ({ outcome: 'RETRYABLE', reason: String(error) }),
    );
  }

  /** Applies a gateway answer: the result forwarded, or the next attempt scheduled. */
  private async apply({ state, timestamp, headers }: Charge, outcome: ChargeOutcome): Promise<void> {
    const { request } = state;
    this.metrics.paymentAttempt(outcome.outcome);
    if (state.nextAttemptAt !== null) await this.retries.delete(dueKey(state.nextAttemptAt, request.orderId));
    if (outcome.outcome === 'RETRYABLE' && state.attempts < this.options.maxAttempts) {
      state.status = 'RETRYING';
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
    if (!this.adoptedLostCalls) {
      this.adoptedLostCalls = true;
      await adoptLostCalls(this.retries, now, async (id) => {
        if (this.calls.has(id)) return false;
        return (await this.payments.get(id))?.status === 'CHARGING';
      });
    }
    for (const { key, id } of await dueIds(this.retries, now)) {
      await this.retries.delete(key);
      const state = await this.payments.get(id);
      if (!state || state.status === 'DONE') continue;
      if (state.status === 'CHARGING' && this.calls.has(id)) {
        // Still out (a gateway slower than lostCallAfterMs): look again later.
        state.nextAttemptAt = now + this.options.lostCallAfterMs;
        await this.retries.put(dueKey(state.nextAttemptAt, id), id);
        await this.payments.put(id, state);
        continue;
      }
      state.nextAttemptAt = null; // Its index entry is gone already.
      await continueTrace(
        state.traceparent,
        'payment retry',
        { 'order.id': id, 'payment.attempt': state.attempts + 1 },
        (headers) => this.call(state, now, headers),
      );
    }
  }

  private async refund(state: PaymentState | undefined): Promise<void> {
    if (!state?.chargeId || state.refunded) return;
    await this.gateway.refund(state.chargeId, `refund-${state.request.orderId}`);
    await this.payments.put(state.request.orderId, { ...state, refunded: true });
  }
}
