import { continueTrace, traceparentOf } from '../runtime/index.ts';
import type { KeyValueStore } from '../state-stores/index.ts';
import { PunctuationType, StreamRecord, type Processor, type ProcessorContext } from '../topology/index.ts';
import type {
  Channel,
  NotificationFailed,
  NotificationRequested,
  NotificationSent,
} from '../schemas/index.ts';
import { dueIds, dueKey } from './due-index.ts';
import {
  noSagaMetrics,
  type BackoffPolicy,
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
  /** The order's trace (W3C traceparent of the request): a retry made later resumes it. */
  traceparent?: string | null;
}

export interface NotificationOptions {
  maxAttempts: number;
  backoff: BackoffPolicy;
  retryCheckIntervalMs: number;
  metrics?: SagaMetricsPort;
}

/**
 * Tells the customer about a status change on every channel their contact has: email, SMS, webhook.
 * Each delivery outcome is one record on `notifications`. Retryable failures (SMTP 4xx, HTTP 5xx,
 * timeouts) are retried with backoff as punctuator-driven state, up to `maxAttempts`.
 * Deliveries carry an idempotency key (`<orderId>:<status>:<channel>`) so receivers can drop the
 * duplicates an at-least-once side effect may produce after a crash.
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

  constructor(notifier: NotifierPort, options: NotificationOptions) {
    this.notifier = notifier;
    this.options = options;
    this.metrics = options.metrics ?? noSagaMetrics;
  }

  init(context: ProcessorContext<string, NotificationOutcome>): void {
    this.context = context;
    this.pending = context.getStateStore<KeyValueStore<string, PendingDelivery>>(NOTIFICATION_RETRY_STORE);
    this.index = context.getStateStore<KeyValueStore<string, string>>(NOTIFICATION_RETRY_INDEX);
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
      await this.deliver(
        { channel, message, status: request.status, attempts: 0, traceparent: traceparentOf(record.headers) },
        record.timestamp,
      );
    }
  }

  /** `headers`: those of a retry's span (see retryDue); a first delivery's event takes the record's trace. */
  private async deliver(
    delivery: PendingDelivery,
    timestamp: number,
    headers = new Map<string, Buffer>(),
  ): Promise<void> {
    delivery.attempts++;
    const outcome = await this.notifier.send(delivery.channel, delivery.message);
    const id = delivery.message.idempotencyKey;
    const at = this.context.currentSystemTimeMs();
    if (outcome.ok) {
      this.metrics.notification(delivery.channel, 'sent');
      await this.pending.delete(id);
      const event: NotificationSent = {
        orderId: delivery.message.orderId,
        channel: delivery.channel,
        status: delivery.status,
        recipient: delivery.message.recipient,
        at,
      };
      this.context.forward(
        new StreamRecord(delivery.message.orderId, { kind: 'sent', event }, timestamp, headers),
      );
      return;
    }
    if (outcome.retryable && delivery.attempts < this.options.maxAttempts) {
      this.metrics.notification(delivery.channel, 'retry');
      await this.pending.put(id, delivery);
      await this.index.put(dueKey(at + this.options.backoff(delivery.attempts), id), id);
      return;
    }
    this.metrics.notification(delivery.channel, 'failed');
    await this.pending.delete(id);
    const event: NotificationFailed = {
      orderId: delivery.message.orderId,
      channel: delivery.channel,
      status: delivery.status,
      recipient: delivery.message.recipient,
      reason: outcome.reason,
      attempts: delivery.attempts,
      at,
    };
    this.context.forward(
      new StreamRecord(delivery.message.orderId, { kind: 'failed', event }, timestamp, headers),
    );
  }

  private async retryDue(now: number): Promise<void> {
    for (const { key, id } of await dueIds(this.index, now)) {
      await this.index.delete(key);
      const delivery = await this.pending.get(id);
      if (!delivery) continue;
      await continueTrace(
        delivery.traceparent,
        'notification retry',
        { 'order.id': delivery.message.orderId, 'notification.channel': delivery.channel },
        (headers) => this.deliver(delivery, now, headers),
      );
    }
  }
}
