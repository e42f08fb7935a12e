import { continueTrace, traceparentOf } from '../runtime/index.ts';
import type { KeyValueStore } from '../state-stores/index.ts';
import { PunctuationType, StreamRecord, type Processor, type ProcessorContext } from '../topology/index.ts';
import type {
  Channel,
  NotificationFailed,
  NotificationRequested,
  NotificationSent,
} from '../schemas/index.ts';
import { adoptLostCalls, dueIds, dueKey } from './due-index.ts';
import { OutstandingCalls } from './outstanding-calls.ts';
import {
  noSagaMetrics,
  type BackoffPolicy,
  type DeliveryOutcome,
  type NotificationMessage,
  type NotifierPort,
  type SagaMetricsPort,
} from './ports.ts';

export const NOTIFICATION_RETRY_STORE = 'notification-retry-store';
export const NOTIFICATION_RETRY_INDEX = 'notification-retry-index';

export type NotificationOutcome =
  { kind: 'sent'; event: NotificationSent } | { kind: 'failed'; event: NotificationFailed };

interface PendingDelivery {
  channel: Channel;
  message: NotificationMessage;
  status: string;
  attempts: number;
  /** SENDING: an attempt is out (its answer is applied by a punctuator); WAITING: for a retry. */
  phase?: 'SENDING' | 'WAITING';
  /** Its index key time: when the retry is due, or when a SENDING attempt counts as lost. */
  dueAt?: number;
  /** The order's trace (W3C traceparent of the request): a retry made later resumes it. */
  traceparent?: string | null;
}

export interface NotificationOptions {
  maxAttempts: number;
  backoff: BackoffPolicy;
  retryCheckIntervalMs: number;
  /** Deliveries one task keeps out at once (see OutstandingCalls). */
  maxInFlight: number;
  /** How often answered deliveries are applied while some are out. */
  completionCheckIntervalMs: number;
  /** A delivery still SENDING this long after it was sent is sent again: its sender died. */
  lostCallAfterMs: number;
  metrics?: SagaMetricsPort;
}

interface Delivery {
  delivery: PendingDelivery;
  timestamp: number;
  headers: Map<string, Buffer>;
}

/**
 * Tells the customer about a status change on every channel their contact has: email, SMS, webhook.
 * Each delivery outcome is one record on `notifications`. Retryable failures (SMTP 4xx, HTTP 5xx,
 * timeouts) are retried with backoff as punctuator-driven state, up to `maxAttempts`.
 * Deliveries carry an idempotency key (`<orderId>:<status>:<channel>`) so receivers can drop the
 * duplicates an at-least-once side effect may produce after a crash.
 *
 * Deliveries overlap, as the payment's charges do (OutstandingCalls): each is recorded SENDING
 * with a due time before it is sent, so one whose sender died is sent again by the next owner.
 */
export class NotificationProcessor implements Processor<
  string,
  NotificationRequested,
  string,
  NotificationOutcome
> {
  private readonly notifier: NotifierPort;
  private readonly options: NotificationOptions;
  private readonly metrics: SagaMetricsPort;
  private context!: ProcessorContext<string, NotificationOutcome>;
  private pending!: KeyValueStore<string, PendingDelivery>;
  private index!: KeyValueStore<string, string>;
  private readonly calls: OutstandingCalls<Delivery, DeliveryOutcome>;
  private adoptedLostCalls = false;

  constructor(notifier: NotifierPort, options: NotificationOptions) {
    this.notifier = notifier;
    this.options = options;
    this.metrics = options.metrics ?? noSagaMetrics;
    this.calls = new OutstandingCalls(
      { maxInFlight: options.maxInFlight, checkIntervalMs: options.completionCheckIntervalMs },
      (delivery, outcome) => this.apply(delivery, outcome),
    );
  }

  init(context: ProcessorContext<string, NotificationOutcome>): void {
    this.context = context;
    this.pending = context.getStateStore<KeyValueStore<string, PendingDelivery>>(NOTIFICATION_RETRY_STORE);
    this.index = context.getStateStore<KeyValueStore<string, string>>(NOTIFICATION_RETRY_INDEX);
    this.calls.init(context);
    context.schedule(this.options.retryCheckIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) =>
      this.retryDue(now),
    );
  }

  async process(record: StreamRecord<string, NotificationRequested>): Promise<void> {
    const request = record.value;
    const subject = `Order ${request.orderId}: ${request.status.toLowerCase().replace('_', ' ')}`;
    const body = `Your order ${request.orderId} is now ${request.status}${request.reason ? ` (${request.reason})` : ''}.`;
    const targets: [Channel, string | null][] = [
      ['EMAIL', request.email],
      ['SMS', request.phone],
      ['WEBHOOK', request.webhookUrl],
    ];
    for (const [channel, recipient] of targets) {
      if (!recipient) continue;
      const message = {
        orderId: request.orderId,
        recipient,
        subject,
        body,
        idempotencyKey: `${request.orderId}:${request.status}:${channel}`,
      };
      const traceparent = traceparentOf(record.headers);
      await this.send(
        { channel, message, status: request.status, attempts: 0, traceparent },
        record.timestamp,
        traceparent ? new Map([['traceparent', Buffer.from(traceparent)]]) : new Map(),
      );
    }
  }

  close(): void {
    this.calls.close();
  }

  /** Sends one attempt without waiting for its answer; waits only when `maxInFlight` are out. */
  private async send(
    delivery: PendingDelivery,
    timestamp: number,
    headers: Map<string, Buffer>,
  ): Promise<void> {
    const id = delivery.message.idempotencyKey;
    if (delivery.dueAt !== undefined) await this.index.delete(dueKey(delivery.dueAt, id));
    delivery.attempts++;
    delivery.phase = 'SENDING';
    delivery.dueAt = this.context.currentSystemTimeMs() + this.options.lostCallAfterMs;
    await this.pending.put(id, delivery);
    await this.index.put(dueKey(delivery.dueAt, id), id);
    await this.calls.start(
      id,
      { delivery, timestamp, headers },
      () => this.notifier.send(delivery.channel, delivery.message),
      (error): DeliveryOutcome => ({ ok: false, retryable: true, reason: String(error) }),
    );
  }

  /** Applies a delivery's answer: the outcome forwarded, or the next attempt scheduled. */
  private async apply(call: Delivery, outcome: DeliveryOutcome): Promise<void> {
    const { delivery } = call;
    const id = delivery.message.idempotencyKey;
    const at = this.context.currentSystemTimeMs();
    if (delivery.dueAt !== undefined) await this.index.delete(dueKey(delivery.dueAt, id));
    if (outcome.ok) {
      const event: NotificationSent = {
        orderId: delivery.message.orderId,
        channel: delivery.channel,
        status: delivery.status,
        recipient: delivery.message.recipient,
        at,
      };
      return this.finish(call, { kind: 'sent', event });
    }
    if (outcome.retryable && delivery.attempts < this.options.maxAttempts) {
      this.metrics.notification(delivery.channel, 'retry');
      delivery.phase = 'WAITING';
      delivery.dueAt = at + this.options.backoff(delivery.attempts);
      await this.pending.put(id, delivery);
      await this.index.put(dueKey(delivery.dueAt, id), id);
      return;
    }
    const event: NotificationFailed = {
      orderId: delivery.message.orderId,
      channel: delivery.channel,
      status: delivery.status,
      recipient: delivery.message.recipient,
      reason: outcome.reason,
      attempts: delivery.attempts,
      at,
    };
    return this.finish(call, { kind: 'failed', event });
  }

  /** A delivery's last word: counted, its pending entry gone, its outcome forwarded. */
  private async finish(
    { delivery, timestamp, headers }: Delivery,
    outcome: NotificationOutcome,
  ): Promise<void> {
    this.metrics.notification(delivery.channel, outcome.kind);
    await this.pending.delete(delivery.message.idempotencyKey);
    this.context.forward(new StreamRecord(delivery.message.orderId, outcome, timestamp, headers));
  }

  private async retryDue(now: number): Promise<void> {
    if (!this.adoptedLostCalls) {
      this.adoptedLostCalls = true;
      await adoptLostCalls(this.index, now, async (id) => {
        if (this.calls.has(id)) return false;
        const delivery = await this.pending.get(id);
        return delivery?.phase === 'SENDING';
      });
    }
    for (const { key, id } of await dueIds(this.index, now)) {
      await this.index.delete(key);
      const delivery = await this.pending.get(id);
      if (!delivery) continue;
      if (delivery.phase === 'SENDING' && this.calls.has(id)) {
        // Still out (slower than lostCallAfterMs): look again later.
        delivery.dueAt = now + this.options.lostCallAfterMs;
        await this.index.put(dueKey(delivery.dueAt, id), id);
        await this.pending.put(id, delivery);
        continue;
      }
      delete delivery.dueAt; // Its index entry is gone already.
      await continueTrace(
        delivery.traceparent,
        'notification retry',
        { 'order.id': delivery.message.orderId, 'notification.channel': delivery.channel },
        (headers) => this.send(delivery, now, headers),
      );
    }
  }
}
