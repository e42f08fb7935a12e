import { Stores } from '../state-stores/index.ts';
import { Serdes, StreamsBuilder, type KStream, type Serde, type Topology } from '../topology/index.ts';
import type { EventSerdes, OrderStatus } from '../schemas/index.ts';
import {
  INVENTORY_STORE,
  InventoryProcessor,
  RESERVATIONS_STORE,
  type InventoryInput,
} from '../processors/inventory.ts';
import {
  NOTIFICATION_RETRY_INDEX,
  NOTIFICATION_RETRY_STORE,
  NotificationProcessor,
  type NotificationOutcome,
} from '../processors/notification.ts';
import {
  EXPIRY_INDEX_STORE,
  ORDER_SAGA_STORE,
  OrderSagaProcessor,
  type SagaInput,
  type SagaOutput,
} from '../processors/order-saga.ts';
import { PAYMENT_RETRY_INDEX, PAYMENT_STORE, PaymentProcessor } from '../processors/payment.ts';
import type { BackoffPolicy, NotifierPort, PaymentPort, SagaMetricsPort } from '../processors/ports.ts';
import { ReadModelSinkProcessor, type ReadModelPort } from '../processors/read-model-sink.ts';
import type { SagaTopics } from './saga-topics.ts';

export interface SagaTopologyConfig {
  topics: SagaTopics;
  serdes: EventSerdes;
  storeType: 'rocksDB' | 'in_memory';
  reservationTimeoutMs: number;
  expiryCheckIntervalMs: number;
  paymentMaxAttempts: number;
  notificationMaxAttempts: number;
  retryCheckIntervalMs: number;
  notifyOn: readonly OrderStatus[];
  /** Calls to third parties (gateway, SMTP, SMS, webhooks) kept out at once; default {@link OUTBOUND_CALL_DEFAULTS}. */
  outboundCalls?: Partial<OutboundCallSettings>;
}

export interface OutboundCallSettings {
  /** Calls each payment or notification task keeps out at once. */
  maxInFlight: number;
  /** How often answered calls are applied while calls are out. */
  completionCheckIntervalMs: number;
  /** After this long a call still unanswered in the store is made again (its maker died). */
  lostCallAfterMs: number;
}

/**
 * Defaults of the payment and notification services' calls. 256 out per task: at a gateway's
 * typical 100–300 ms that is ≈ 1,000–2,500 calls/s per partition, past what the rest of the saga
 * takes, while one task cannot open an unbounded number of connections. Answers are applied every
 * 5 ms: the latency they add; each check that applies answers is a transaction, so a longer
 * interval means fewer of them (at 1,000 orders/s, 5, 20 and 50 ms measured the same within the
 * noise of a saturated box: bench/results/2026-11-27). A call is made again 10 s after it was made when its answer
 * never came back (5× the clients' 2 s timeout, so a live call has always answered by then).
 */
export const OUTBOUND_CALL_DEFAULTS: OutboundCallSettings = {
  maxInFlight: 256,
  completionCheckIntervalMs: 5,
  lostCallAfterMs: 10_000,
};

export interface SagaPorts {
  payment: PaymentPort;
  notifier: NotifierPort;
  backoff: BackoffPolicy;
  metrics?: SagaMetricsPort;
  /** When given, `order-status` is also kept in the SQL read model. */
  readModel?: ReadModelPort;
}

const key = Serdes.String();

/**
 * The saga's services. Each can run as its own StreamsApp (own consumer group, own transactional
 * producer, own thread of work), so the I/O of payment, notification and the read model never
 * delays the commits of the order saga and the inventory.
 */
export type SagaPart = 'core' | 'payment' | 'notification' | 'read-model';
export const ALL_SAGA_PARTS: readonly SagaPart[] = ['core', 'payment', 'notification', 'read-model'];

/**
 * The saga as a topology, built only with the engine's public API (ARCHITECTURE.md, saga sketch):
 * orders and results keyed by orderId meet in the order-saga sub-topology; reservation requests
 * and stock keyed by SKU meet in the inventory sub-topology; payment and notification each run in
 * their own sub-topology so their I/O never slows the saga's partitions.
 */
export function buildSagaTopology(
  config: SagaTopologyConfig,
  ports: SagaPorts,
  parts: readonly SagaPart[] = ALL_SAGA_PARTS,
): Topology {
  const builder = new StreamsBuilder({ defaultDslStore: config.storeType });
  const store: AddStore = (name, valueSerde) => {
    const supplier =
      config.storeType === 'in_memory'
        ? Stores.inMemoryKeyValueStore(name)
        : Stores.persistentKeyValueStore(name);
    // Cached: hot keys (a popular SKU, an order moving through its states) are read from memory
    // and logged once per commit, when STORE_CACHE_MAX_BYTES gives them room (off by default).
    builder.addStateStore(Stores.keyValueStoreBuilder(supplier, key, valueSerde).withCachingEnabled());
  };
  if (parts.includes('core')) addCore(builder, config, ports, store);
  if (parts.includes('payment')) addPayment(builder, config, ports, store);
  if (parts.includes('notification')) addNotification(builder, config, ports, store);
  const readModel = ports.readModel;
  if (parts.includes('read-model') && readModel) {
    // The SQL projection of order-status, exactly-once by offsets stored with the rows.
    builder
      .stream(config.topics.orderStatus, {
        keySerde: key,
        valueSerde: config.serdes.output('order-status-changed'),
      })
      .process(() => new ReadModelSinkProcessor(readModel), { name: 'read-model-sink' });
  }
  return builder.build();
}

type AddStore = <V>(name: string, valueSerde: Serde<V>) => void;

function addCore(
  builder: StreamsBuilder,
  config: SagaTopologyConfig,
  ports: SagaPorts,
  store: AddStore,
): void {
  const { topics, serdes } = config;
  for (const name of [ORDER_SAGA_STORE, INVENTORY_STORE, RESERVATIONS_STORE]) store(name, Serdes.Json());
  store(EXPIRY_INDEX_STORE, Serdes.String());

  // Order saga [orderId]: orders (re-keyed: producers may omit the key) + reservation and payment results.
  const orders: KStream<string, SagaInput> = builder
    .stream(topics.orders, { keySerde: key, valueSerde: serdes.input('order-created') })
    .selectKey((_key, order) => order.orderId)
    .repartition({ name: 'orders-by-id', keySerde: key, valueSerde: serdes.avro('order-created') })
    .mapValues((order): SagaInput => ({ kind: 'order', order }));
  const reservationResults = builder
    .stream(topics.reservationResults, { keySerde: key, valueSerde: serdes.avro('reservation-result') })
    .mapValues((result): SagaInput => ({ kind: 'reservation', result }));
  const paymentResults = builder
    .stream(topics.paymentResults, { keySerde: key, valueSerde: serdes.avro('payment-result') })
    .mapValues((result): SagaInput => ({ kind: 'payment', result }));
  const saga = orders
    .merge(reservationResults)
    .merge(paymentResults)
    .process<string, SagaOutput>(
      () =>
        new OrderSagaProcessor({
          reservationTimeoutMs: config.reservationTimeoutMs,
          expiryCheckIntervalMs: config.expiryCheckIntervalMs,
          notifyOn: config.notifyOn,
          metrics: ports.metrics,
        }),
      { name: 'order-saga' },
      ORDER_SAGA_STORE,
      EXPIRY_INDEX_STORE,
    );
  const only = <K extends SagaOutput['kind']>(kind: K) =>
    saga
      .filter((_k, out) => out.kind === kind)
      .mapValues((out) => (out as Extract<SagaOutput, { kind: K }>).event);
  only('status').to(topics.orderStatus, { keySerde: key, valueSerde: serdes.output('order-status-changed') });
  only('shipment').to(topics.shipments, { keySerde: key, valueSerde: serdes.output('shipment-scheduled') });
  only('reservation').to(topics.reservationRequests, {
    keySerde: key,
    valueSerde: serdes.avro('reservation-requested'),
  });
  only('payment').to(topics.paymentRequests, { keySerde: key, valueSerde: serdes.avro('payment-requested') });
  only('notification').to(topics.notificationRequests, {
    keySerde: key,
    valueSerde: serdes.avro('notification-requested'),
  });

  // Inventory [sku]: every decision for a SKU is made by the one task owning its partition.
  const stock = builder
    .stream(topics.stock, { keySerde: key, valueSerde: serdes.input('stock-adjusted') })
    .selectKey((_key, adjustment) => adjustment.sku)
    .repartition({ name: 'stock-by-sku', keySerde: key, valueSerde: serdes.avro('stock-adjusted') })
    .mapValues((adjustment): InventoryInput => ({ kind: 'stock', stock: adjustment }));
  builder
    .stream(topics.reservationRequests, { keySerde: key, valueSerde: serdes.avro('reservation-requested') })
    .mapValues((request): InventoryInput => ({ kind: 'request', request }))
    .merge(stock)
    .process(
      () => new InventoryProcessor({ metrics: ports.metrics }),
      { name: 'inventory' },
      INVENTORY_STORE,
      RESERVATIONS_STORE,
    )
    .to(topics.reservationResults, { keySerde: key, valueSerde: serdes.avro('reservation-result') });
}

function addPayment(
  builder: StreamsBuilder,
  config: SagaTopologyConfig,
  ports: SagaPorts,
  store: AddStore,
): void {
  const { topics, serdes } = config;
  store(PAYMENT_STORE, Serdes.Json());
  store(PAYMENT_RETRY_INDEX, Serdes.String());
  // Payment [orderId]: gateway calls with retries as punctuator-driven state.
  builder
    .stream(topics.paymentRequests, { keySerde: key, valueSerde: serdes.avro('payment-requested') })
    .process(
      () =>
        new PaymentProcessor(ports.payment, {
          maxAttempts: config.paymentMaxAttempts,
          backoff: ports.backoff,
          retryCheckIntervalMs: config.retryCheckIntervalMs,
          ...{ ...OUTBOUND_CALL_DEFAULTS, ...config.outboundCalls },
          metrics: ports.metrics,
        }),
      { name: 'payment' },
      PAYMENT_STORE,
      PAYMENT_RETRY_INDEX,
    )
    .to(topics.paymentResults, { keySerde: key, valueSerde: serdes.avro('payment-result') });
}

function addNotification(
  builder: StreamsBuilder,
  config: SagaTopologyConfig,
  ports: SagaPorts,
  store: AddStore,
): void {
  const { topics, serdes } = config;
  store(NOTIFICATION_RETRY_STORE, Serdes.Json());
  store(NOTIFICATION_RETRY_INDEX, Serdes.String());
  // Notification [orderId]: email, SMS, webhooks; one outcome record per delivery.
  const outcomes = builder
    .stream(topics.notificationRequests, { keySerde: key, valueSerde: serdes.avro('notification-requested') })
    .process<string, NotificationOutcome>(
      () =>
        new NotificationProcessor(ports.notifier, {
          maxAttempts: config.notificationMaxAttempts,
          backoff: ports.backoff,
          retryCheckIntervalMs: config.retryCheckIntervalMs,
          ...{ ...OUTBOUND_CALL_DEFAULTS, ...config.outboundCalls },
          metrics: ports.metrics,
        }),
      { name: 'notification' },
      NOTIFICATION_RETRY_STORE,
      NOTIFICATION_RETRY_INDEX,
    );
  outcomes.to(topics.notifications, { keySerde: key, valueSerde: notificationOutcomeSerde(serdes) });
}

/**
 * The `notifications` topic's serde: two record types share it. Avro names its writer schema; in
 * JSON only a failed delivery has `reason`.
 */
export function notificationOutcomeSerde(serdes: EventSerdes): Serde<NotificationOutcome> {
  const sent = serdes.output('notification-sent');
  const failed = serdes.output('notification-failed');
  return {
    serialize: (topic, outcome) =>
      outcome.kind === 'sent' ? sent.serialize(topic, outcome.event) : failed.serialize(topic, outcome.event),
    deserialize: (topic, data) => {
      const avroEvent = serdes.avroEventOf(data);
      const isFailed =
        avroEvent !== null
          ? avroEvent === 'notification-failed'
          : (JSON.parse(data.toString('utf8')) as { reason?: string }).reason !== undefined;
      return isFailed
        ? { kind: 'failed', event: failed.deserialize(topic, data) }
        : { kind: 'sent', event: sent.deserialize(topic, data) };
    },
  };
}
