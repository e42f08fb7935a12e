import type { KeyValueStore } from '../state-stores/index.ts';
import { PunctuationType, StreamRecord, type Processor, type ProcessorContext } from '../topology/index.ts';
import type {
  Contact,
  NotificationRequested,
  OrderCreated,
  OrderItem,
  OrderStatus,
  OrderStatusChanged,
  PaymentRequested,
  PaymentResult,
  ReservationAction,
  ReservationRequested,
  ReservationResult,
  ShipmentScheduled,
} from '../schemas/index.ts';
import { orderFingerprint } from '../schemas/index.ts';
import { dueIds, dueKey } from './due-index.ts';
import { noSagaMetrics, type CompensationCause, type SagaMetricsPort } from './ports.ts';
import { planShipment } from './shipping.ts';

export const ORDER_SAGA_STORE = 'order-saga-store';
export const EXPIRY_INDEX_STORE = 'order-expiry-index';

export type LineState = 'PENDING' | 'RESERVED' | 'REJECTED' | 'RELEASED' | 'COMMITTED';

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  createdAt: number;
  reservedAt: number | null;
  items: OrderItem[];
  lines: Record<string, LineState>;
  amount: number;
  currency: string;
  paymentMethod: string;
  contact: Contact;
  /**
   * orderFingerprint of the OrderCreated that made the order: the order API answers 409 to a POST
   * of the same orderId with other content. Absent on orders stored before it existed.
   */
  fingerprint?: string;
}

export type SagaInput =
  | { kind: 'order'; order: OrderCreated }
  | { kind: 'reservation'; result: ReservationResult }
  | { kind: 'payment'; result: PaymentResult };

/** Everything the saga emits, tagged so the topology routes each kind to its topic. */
export type SagaOutput =
  | { kind: 'status'; event: OrderStatusChanged }
  | { kind: 'reservation'; event: ReservationRequested }
  | { kind: 'payment'; event: PaymentRequested }
  | { kind: 'shipment'; event: ShipmentScheduled }
  | { kind: 'notification'; event: NotificationRequested };

export interface OrderSagaOptions {
  /** A RESERVED order with no payment outcome after this long expires and releases its stock. */
  reservationTimeoutMs: number;
  /** How often the wall-clock punctuator looks for expired reservations. */
  expiryCheckIntervalMs: number;
  /** Statuses the customer is told about (every transition still goes to `order-status`). */
  notifyOn: readonly OrderStatus[];
  metrics?: SagaMetricsPort;
}

const TERMINAL: readonly OrderStatus[] = ['SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

/**
 * The order saga (CONTRACT.md lifecycle), one instance per orderId partition:
 * CREATED → RESERVED → PAID → SHIPPED; CREATED → REJECTED; RESERVED → PAYMENT_FAILED → CANCELLED;
 * RESERVED → EXPIRED. Each transition emits exactly one OrderStatusChanged; compensation (RELEASE)
 * guarantees nothing stays reserved for an order that will not ship.
 */
export class OrderSagaProcessor implements Processor<string, SagaInput, string, SagaOutput> {
  private readonly options: OrderSagaOptions;
  private readonly metrics: SagaMetricsPort;
  private context!: ProcessorContext<string, SagaOutput>;
  private orders!: KeyValueStore<string, OrderState>;
  private expiry!: KeyValueStore<string, string>;
  /** Timestamp of the record being processed (punctuator outputs use wall-clock time). */
  private recordTimestamp = 0;

  constructor(options: OrderSagaOptions) {
    this.options = options;
    this.metrics = options.metrics ?? noSagaMetrics;
  }

  init(context: ProcessorContext<string, SagaOutput>): void {
    this.context = context;
    this.orders = context.getStateStore<KeyValueStore<string, OrderState>>(ORDER_SAGA_STORE);
    this.expiry = context.getStateStore<KeyValueStore<string, string>>(EXPIRY_INDEX_STORE);
    context.schedule(this.options.expiryCheckIntervalMs, PunctuationType.WALL_CLOCK_TIME, (now) =>
      this.expire(now),
    );
  }

  async process(record: StreamRecord<string, SagaInput>): Promise<void> {
    this.recordTimestamp = record.timestamp;
    const input = record.value;
    if (input.kind === 'order') return this.onOrder(input.order, record.timestamp);
    const order = await this.orders.get(input.result.orderId);
    if (!order) return;
    if (input.kind === 'reservation') return this.onReservation(order, input.result);
    return this.onPayment(order, input.result);
  }

  private async onOrder(created: OrderCreated, timestamp: number): Promise<void> {
    if (await this.orders.get(created.orderId)) {
      this.metrics.duplicateOrder();
      return;
    }
    const order: OrderState = {
      orderId: created.orderId,
      status: 'CREATED',
      createdAt: created.createdAt ?? timestamp,
      reservedAt: null,
      items: created.items,
      lines: Object.fromEntries(created.items.map((item) => [item.sku, 'PENDING' as LineState])),
      amount: created.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
      currency: created.currency,
      paymentMethod: created.paymentMethod,
      contact: created.contact,
      fingerprint: orderFingerprint(created),
    };
    this.emitStatus(order, null, null);
    for (const item of order.items) this.requestReservation(order, item.sku, 'RESERVE');
    await this.orders.put(order.orderId, order);
  }

  private async onReservation(order: OrderState, result: ReservationResult): Promise<void> {
    const line = order.lines[result.sku];
    if (line === undefined) return;
    if (result.outcome === 'RELEASED' || result.outcome === 'COMMITTED') {
      order.lines[result.sku] = result.outcome;
    } else if (result.outcome === 'RESERVED' && line === 'PENDING') {
      if (order.status === 'CREATED') {
        order.lines[result.sku] = 'RESERVED';
        if (Object.values(order.lines).every((state) => state === 'RESERVED')) await this.reserved(order);
      } else {
        // The order was already rejected: a late reservation must not keep stock held.
        order.lines[result.sku] = 'RELEASED';
        this.requestReservation(order, result.sku, 'RELEASE');
      }
    } else if (result.outcome === 'REJECTED' && line === 'PENDING') {
      order.lines[result.sku] = 'REJECTED';
      if (order.status === 'CREATED') this.reject(order, `${result.sku}: ${result.reason ?? 'rejected'}`);
    }
    await this.orders.put(order.orderId, order);
  }

  private async reserved(order: OrderState): Promise<void> {
    const previous = order.status;
    order.status = 'RESERVED';
    order.reservedAt = this.context.currentSystemTimeMs();
    this.emitStatus(order, previous, null);
    await this.expiry.put(
      dueKey(order.reservedAt + this.options.reservationTimeoutMs, order.orderId),
      order.orderId,
    );
    this.context.forward(
      this.record(order.orderId, { kind: 'payment', event: this.paymentRequest(order, 'CHARGE') }),
    );
  }

  private reject(order: OrderState, reason: string): void {
    const previous = order.status;
    order.status = 'REJECTED';
    this.releaseReserved(order, 'rejected');
    this.emitStatus(order, previous, reason);
  }

  private async onPayment(order: OrderState, result: PaymentResult): Promise<void> {
    if (order.status !== 'RESERVED') {
      // A charge that succeeded for an order that expired meanwhile is refunded: nobody pays for
      // an order that will not ship.
      if (result.outcome === 'SUCCEEDED' && (order.status === 'EXPIRED' || order.status === 'CANCELLED')) {
        this.context.forward(
          this.record(order.orderId, { kind: 'payment', event: this.paymentRequest(order, 'REFUND') }),
        );
        this.metrics.compensation('refund', 'late_payment');
      }
      return;
    }
    await this.clearExpiry(order);
    if (result.outcome === 'SUCCEEDED') {
      order.status = 'PAID';
      this.emitStatus(order, 'RESERVED', null);
      for (const item of order.items) {
        order.lines[item.sku] = 'COMMITTED';
        this.requestReservation(order, item.sku, 'COMMIT');
      }
      const shipment = planShipment(order, this.context.currentSystemTimeMs());
      this.context.forward(this.record(order.orderId, { kind: 'shipment', event: shipment }));
      order.status = 'SHIPPED';
      this.emitStatus(order, 'PAID', `${shipment.carrier}, ETA ${shipment.etaDays} days`);
    } else {
      order.status = 'PAYMENT_FAILED';
      this.emitStatus(order, 'RESERVED', result.reason ?? result.outcome);
      this.releaseReserved(order, 'payment_failed');
      order.status = 'CANCELLED';
      this.emitStatus(order, 'PAYMENT_FAILED', 'reservations released');
    }
    await this.orders.put(order.orderId, order);
  }

  private async expire(now: number): Promise<void> {
    for (const { key, id } of await dueIds(this.expiry, now)) {
      await this.expiry.delete(key);
      const order = await this.orders.get(id);
      if (!order || order.status !== 'RESERVED') continue;
      this.recordTimestamp = now;
      order.status = 'EXPIRED';
      this.releaseReserved(order, 'expired');
      this.emitStatus(order, 'RESERVED', `no payment outcome within ${this.options.reservationTimeoutMs} ms`);
      await this.orders.put(order.orderId, order);
    }
  }

  private async clearExpiry(order: OrderState): Promise<void> {
    if (order.reservedAt !== null)
      await this.expiry.delete(dueKey(order.reservedAt + this.options.reservationTimeoutMs, order.orderId));
  }

  /** Compensation: every line still held is released; counted once per order that had any. */
  private releaseReserved(order: OrderState, cause: CompensationCause): void {
    let released = 0;
    for (const [sku, state] of Object.entries(order.lines)) {
      if (state !== 'RESERVED') continue;
      order.lines[sku] = 'RELEASED';
      this.requestReservation(order, sku, 'RELEASE');
      released++;
    }
    if (released > 0) this.metrics.compensation('release_stock', cause);
  }

  private requestReservation(order: OrderState, sku: string, action: ReservationAction): void {
    const quantity = order.items.find((item) => item.sku === sku)?.quantity ?? 0;
    this.context.forward(
      this.record(sku, { kind: 'reservation', event: { orderId: order.orderId, sku, quantity, action } }),
    );
  }

  private paymentRequest(order: OrderState, kind: PaymentRequested['kind']): PaymentRequested {
    return {
      orderId: order.orderId,
      amount: order.amount,
      currency: order.currency,
      paymentMethod: order.paymentMethod,
      kind,
    };
  }

  private emitStatus(order: OrderState, previousStatus: OrderStatus | null, reason: string | null): void {
    const at = this.context.currentSystemTimeMs();
    const event: OrderStatusChanged = {
      orderId: order.orderId,
      status: order.status,
      previousStatus,
      reason,
      at,
      createdAt: order.createdAt,
    };
    this.context.forward(this.record(order.orderId, { kind: 'status', event }));
    this.metrics.transition(order.status, TERMINAL.includes(order.status) ? at - order.createdAt : null);
    if (this.options.notifyOn.includes(order.status)) {
      const { email, phone, webhookUrl } = order.contact;
      const notification: NotificationRequested = {
        orderId: order.orderId,
        status: order.status,
        previousStatus,
        reason,
        email,
        phone,
        webhookUrl,
        at,
      };
      this.context.forward(this.record(order.orderId, { kind: 'notification', event: notification }));
    }
  }

  /** Outputs keep the input's timestamp, so end-to-end latency is measured from the order's arrival. */
  private record(key: string, value: SagaOutput): StreamRecord<string, SagaOutput> {
    return new StreamRecord(key, value, this.recordTimestamp);
  }
}
