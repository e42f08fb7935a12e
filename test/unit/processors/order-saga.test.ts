import { dueKey } from '../../../processors/due-index.ts';
import {
  EXPIRY_INDEX_STORE,
  ORDER_SAGA_STORE,
  OrderSagaProcessor,
  type OrderSagaOptions,
  type OrderState,
  type SagaInput,
  type SagaOutput,
} from '../../../processors/order-saga.ts';
import type {
  OrderCreated,
  PaymentOutcome,
  ReservationOutcome,
  ReservationResult,
} from '../../../schemas/index.ts';
import { Stores } from '../../../state-stores/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Serdes, StreamsBuilder, type Topology } from '../../../topology/index.ts';
import { RecordingSagaMetrics } from '../../support/recording-saga-metrics.ts';

const WALL_CLOCK_START = 1_000_000;
/** Record time of the inputs, apart from the wall clock so a test can tell which one an output carries. */
const RECORD_TIME = 500_000;
const CREATED_AT = 400_000;

const OPTIONS: OrderSagaOptions = {
  reservationTimeoutMs: 1_000,
  expiryCheckIntervalMs: 100,
  // Not RESERVED, PAID or PAYMENT_FAILED: a status left out must not notify.
  notifyOn: ['CREATED', 'SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
};

/** The saga alone: its three inputs merged on one topic, its tagged outputs on one topic, in emission order. */
function topology(metrics: RecordingSagaMetrics): Topology {
  const builder = new StreamsBuilder();
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(ORDER_SAGA_STORE),
      Serdes.String(),
      Serdes.Json(),
    ),
  );
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(EXPIRY_INDEX_STORE),
      Serdes.String(),
      Serdes.String(),
    ),
  );
  builder
    .stream('saga-in', { keySerde: Serdes.String(), valueSerde: Serdes.Json<SagaInput>() })
    .process<string, SagaOutput>(
      () => new OrderSagaProcessor({ ...OPTIONS, metrics }),
      {},
      ORDER_SAGA_STORE,
      EXPIRY_INDEX_STORE,
    )
    .to('saga-out', { keySerde: Serdes.String(), valueSerde: Serdes.Json<SagaOutput>() });
  return builder.build();
}

/** Lines as [sku, quantity, unit price]. */
function order(orderId: string, lines: [string, number, number][], createdAt: number | null = CREATED_AT) {
  const created: OrderCreated = {
    orderId,
    customerId: 'c-1',
    items: lines.map(([sku, quantity, unitPrice]) => ({ sku, quantity, unitPrice })),
    currency: 'EUR',
    paymentMethod: 'card',
    contact: { email: 'ada@example.com', phone: null, webhookUrl: null },
    createdAt,
  };
  return { kind: 'order', order: created } satisfies SagaInput;
}

function reservation(
  orderId: string,
  sku: string,
  outcome: ReservationOutcome,
  quantity = 1,
  reason: string | null = null,
): SagaInput {
  const result: ReservationResult = { orderId, sku, quantity, outcome, available: 0, reason };
  return { kind: 'reservation', result };
}

function payment(orderId: string, outcome: PaymentOutcome, reason: string | null = null): SagaInput {
  return {
    kind: 'payment',
    result: {
      orderId,
      outcome,
      attempts: 1,
      chargeId: outcome === 'SUCCEEDED' ? `ch-${orderId}` : null,
      reason,
    },
  };
}

/** One output in a line: what a test reads at a glance. */
function summary(out: SagaOutput | null): string {
  switch (out?.kind) {
    case 'status':
      return `status ${out.event.status} (from ${out.event.previousStatus})`;
    case 'reservation':
      return `${out.event.action} ${out.event.sku}×${out.event.quantity}`;
    case 'payment':
      return `${out.event.kind} ${out.event.amount}`;
    case 'shipment':
      return `shipment ${out.event.carrier}`;
    case 'notification':
      return `notify ${out.event.status}`;
    default:
      return String(out);
  }
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function start() {
  const metrics = new RecordingSagaMetrics();
  const d = new TopologyTestDriver(topology(metrics), {
    applicationId: 'order-saga-test',
    initialWallClockMs: WALL_CLOCK_START,
  });
  driver = d;
  const input = d.createInputTopic('saga-in', Serdes.String(), Serdes.Json<SagaInput>());
  const output = d.createOutputTopic('saga-out', Serdes.String(), Serdes.Json<SagaOutput>());
  /** Every input goes to the order's partition, as in the app (results are keyed by orderId). */
  const send = (value: SagaInput) =>
    input.pipeInput(value.kind === 'order' ? value.order.orderId : value.result.orderId, value, RECORD_TIME);
  /** What was emitted since the last call, summarised. */
  const emitted = () => output.readValuesToList().map(summary);
  const orderOf = async (orderId: string) =>
    (await d.getKeyValueStore<string, OrderState>(ORDER_SAGA_STORE)).get(orderId);
  const expiryIndex = async () => (await d.getKeyValueStore<string, string>(EXPIRY_INDEX_STORE)).all();
  /** Moves the wall clock one expiry check at a time, so each check sees its own moment. */
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += OPTIONS.expiryCheckIntervalMs)
      await d.advanceWallClockTime(OPTIONS.expiryCheckIntervalMs);
  };
  return { driver: d, send, output, emitted, orderOf, expiryIndex, advance, metrics };
}

/** RED×2 at 10.00 and BLUE×1 at 5.00: 25.00 in all, 3 units (a postal parcel). */
const TWO_LINES: [string, number, number][] = [
  ['RED', 2, 1000],
  ['BLUE', 1, 500],
];

/** An order taken to RESERVED, its outputs read. */
async function reserved(t: ReturnType<typeof start>, orderId = 'o-1') {
  await t.send(order(orderId, TWO_LINES));
  await t.send(reservation(orderId, 'RED', 'RESERVED', 2));
  await t.send(reservation(orderId, 'BLUE', 'RESERVED', 1));
  t.output.readValuesToList();
}

describe('a new order', () => {
  test('CREATED: the status, a notification, and one RESERVE per line keyed by its SKU', async () => {
    const t = start();
    await t.send(order('o-1', TWO_LINES));
    const out = t.output.readRecordsToList();
    expect(out.map((r) => [r.key, summary(r.value)])).toEqual([
      ['o-1', 'status CREATED (from null)'],
      ['o-1', 'notify CREATED'],
      ['RED', 'RESERVE RED×2'],
      ['BLUE', 'RESERVE BLUE×1'],
    ]);
    // Outputs keep the input's timestamp (end-to-end latency is measured from the order's arrival).
    expect(out.map((r) => r.timestamp)).toEqual([RECORD_TIME, RECORD_TIME, RECORD_TIME, RECORD_TIME]);
    expect(out[0]?.value).toEqual({
      kind: 'status',
      event: {
        orderId: 'o-1',
        status: 'CREATED',
        previousStatus: null,
        reason: null,
        at: WALL_CLOCK_START,
        createdAt: CREATED_AT,
      },
    });
    expect(out[1]?.value).toEqual({
      kind: 'notification',
      event: {
        orderId: 'o-1',
        status: 'CREATED',
        previousStatus: null,
        reason: null,
        email: 'ada@example.com',
        phone: null,
        webhookUrl: null,
        at: WALL_CLOCK_START,
      },
    });
    expect(out[2]?.value).toEqual({
      kind: 'reservation',
      event: { orderId: 'o-1', sku: 'RED', quantity: 2, action: 'RESERVE' },
    });
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({
        status: 'CREATED',
        amount: 2500,
        lines: { RED: 'PENDING', BLUE: 'PENDING' },
        reservedAt: null,
      }),
    );
  });

  test('an order without createdAt is dated by its record', async () => {
    const t = start();
    await t.send(order('o-1', TWO_LINES, null));
    expect((await t.orderOf('o-1'))?.createdAt).toBe(RECORD_TIME);
  });

  test('the same orderId again is one order: nothing emitted, the first content kept, counted', async () => {
    const t = start();
    await t.send(order('o-1', TWO_LINES));
    t.output.readValuesToList();
    await t.send(order('o-1', [['GREEN', 9, 100]]));
    expect(t.emitted()).toEqual([]);
    expect((await t.orderOf('o-1'))?.lines).toEqual({ RED: 'PENDING', BLUE: 'PENDING' });
    expect(t.metrics.count('duplicateOrder')).toBe(1);
  });
});

describe('reservation results', () => {
  test('RESERVED once every line is: the status, one CHARGE for the whole amount, and an expiry entry', async () => {
    const t = start();
    await t.send(order('o-1', TWO_LINES));
    t.output.readValuesToList();
    await t.send(reservation('o-1', 'RED', 'RESERVED', 2));
    await t.send(reservation('o-1', 'RED', 'RESERVED', 2)); // a repeat is not the other line
    expect(t.emitted()).toEqual([]);
    await t.send(reservation('o-1', 'BLUE', 'RESERVED', 1));
    const out = t.output.readValuesToList();
    expect(out.map(summary)).toEqual(['status RESERVED (from CREATED)', 'CHARGE 2500']);
    expect(out[1]).toEqual({
      kind: 'payment',
      event: { orderId: 'o-1', amount: 2500, currency: 'EUR', paymentMethod: 'card', kind: 'CHARGE' },
    });
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({ status: 'RESERVED', reservedAt: WALL_CLOCK_START }),
    );
    expect(await t.expiryIndex()).toEqual([
      { key: dueKey(WALL_CLOCK_START + OPTIONS.reservationTimeoutMs, 'o-1'), value: 'o-1' },
    ]);
    await t.send(reservation('o-1', 'BLUE', 'RESERVED', 1)); // the same answer again: no second charge
    expect(t.emitted()).toEqual([]);
  });

  test('a refused line rejects the order once and releases the lines already held; late answers are compensated', async () => {
    const t = start();
    await t.send(
      order('o-1', [
        ['RED', 2, 100],
        ['BLUE', 3, 100],
        ['GREEN', 1, 100],
        ['YELLOW', 1, 100],
      ]),
    );
    t.output.readValuesToList();
    await t.send(reservation('o-1', 'RED', 'RESERVED', 2));
    await t.send(reservation('o-1', 'BLUE', 'REJECTED', 3, 'insufficient stock: 0 available, 3 requested'));
    const out = t.output.readValuesToList();
    expect(out.map(summary)).toEqual(['RELEASE RED×2', 'status REJECTED (from CREATED)', 'notify REJECTED']);
    expect(out[1]).toEqual(
      expect.objectContaining({
        event: expect.objectContaining({ reason: 'BLUE: insufficient stock: 0 available, 3 requested' }),
      }),
    );
    // GREEN's reservation arrives after the rejection: it must not stay held.
    await t.send(reservation('o-1', 'GREEN', 'RESERVED', 1));
    expect(t.emitted()).toEqual(['RELEASE GREEN×1']);
    // Another line refused, or the same refusal again, is no new transition.
    await t.send(reservation('o-1', 'YELLOW', 'REJECTED', 1));
    await t.send(reservation('o-1', 'BLUE', 'REJECTED', 3));
    expect(t.emitted()).toEqual([]);
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({
        status: 'REJECTED',
        lines: { RED: 'RELEASED', BLUE: 'REJECTED', GREEN: 'RELEASED', YELLOW: 'REJECTED' },
      }),
    );
    expect(await t.expiryIndex()).toEqual([]);
    expect(t.metrics.count('compensation:release_stock:rejected')).toBe(1);
  });

  test('a refused order with nothing held releases nothing', async () => {
    const t = start();
    await t.send(order('o-1', [['RED', 2, 100]]));
    t.output.readValuesToList();
    await t.send(reservation('o-1', 'RED', 'REJECTED', 2, 'insufficient stock'));
    expect(t.emitted()).toEqual(['status REJECTED (from CREATED)', 'notify REJECTED']);
    expect(t.metrics.calls.filter((c) => c.startsWith('compensation'))).toEqual([]);
  });

  test('results for an unknown order or for a SKU the order does not have are ignored', async () => {
    const t = start();
    await t.send(reservation('o-x', 'RED', 'RESERVED', 1));
    expect(t.emitted()).toEqual([]);
    expect(await t.orderOf('o-x')).toBeUndefined();
    await t.send(order('o-1', [['RED', 1, 100]]));
    t.output.readValuesToList();
    await t.send(reservation('o-1', 'PINK', 'RESERVED', 1));
    await t.send(reservation('o-1', 'PINK', 'REJECTED', 1));
    expect(t.emitted()).toEqual([]);
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({ status: 'CREATED', lines: { RED: 'PENDING' } }),
    );
  });
});

describe('payment results', () => {
  test('SUCCEEDED: PAID, a COMMIT per line, the shipment, then SHIPPED with carrier and ETA', async () => {
    const t = start();
    await reserved(t);
    await t.send(payment('o-1', 'SUCCEEDED'));
    const out = t.output.readValuesToList();
    expect(out.map(summary)).toEqual([
      'status PAID (from RESERVED)',
      'COMMIT RED×2',
      'COMMIT BLUE×1',
      'shipment postal',
      'status SHIPPED (from PAID)',
      'notify SHIPPED',
    ]);
    expect(out[3]).toEqual({
      kind: 'shipment',
      event: { orderId: 'o-1', carrier: 'postal', etaDays: 3, scheduledAt: WALL_CLOCK_START },
    });
    expect(out[4]).toEqual(
      expect.objectContaining({ event: expect.objectContaining({ reason: 'postal, ETA 3 days' }) }),
    );
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({ status: 'SHIPPED', lines: { RED: 'COMMITTED', BLUE: 'COMMITTED' } }),
    );
    expect(await t.expiryIndex()).toEqual([]);
    // Only terminal statuses carry the order's end-to-end time.
    expect(t.metrics.endToEnd).toEqual([
      { status: 'CREATED', endToEndMs: null },
      { status: 'RESERVED', endToEndMs: null },
      { status: 'PAID', endToEndMs: null },
      { status: 'SHIPPED', endToEndMs: WALL_CLOCK_START - CREATED_AT },
    ]);
  });

  test('DECLINED: PAYMENT_FAILED with the reason, a RELEASE per line, then CANCELLED', async () => {
    const t = start();
    await reserved(t);
    await t.send(payment('o-1', 'DECLINED', 'card declined'));
    const out = t.output.readValuesToList();
    expect(out.map(summary)).toEqual([
      'status PAYMENT_FAILED (from RESERVED)',
      'RELEASE RED×2',
      'RELEASE BLUE×1',
      'status CANCELLED (from PAYMENT_FAILED)',
      'notify CANCELLED',
    ]);
    expect(out.map((o) => (o?.kind === 'status' ? o.event.reason : undefined))).toEqual([
      'card declined',
      undefined,
      undefined,
      'reservations released',
      undefined,
    ]);
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({ status: 'CANCELLED', lines: { RED: 'RELEASED', BLUE: 'RELEASED' } }),
    );
    expect(await t.expiryIndex()).toEqual([]);
    expect(t.metrics.count('compensation:release_stock:payment_failed')).toBe(1);
  });

  test('FAILED without a reason gives the outcome as the reason', async () => {
    const t = start();
    await reserved(t);
    await t.send(payment('o-1', 'FAILED'));
    const first = t.output.readValuesToList()[0];
    expect(first).toEqual({
      kind: 'status',
      event: expect.objectContaining({ status: 'PAYMENT_FAILED', reason: 'FAILED' }),
    });
  });

  test('a payment result before the order is reserved is ignored, and the order goes on', async () => {
    const t = start();
    await t.send(order('o-1', TWO_LINES));
    t.output.readValuesToList();
    await t.send(payment('o-1', 'SUCCEEDED'));
    expect(t.emitted()).toEqual([]);
    expect((await t.orderOf('o-1'))?.status).toBe('CREATED');
    await t.send(reservation('o-1', 'RED', 'RESERVED', 2));
    await t.send(reservation('o-1', 'BLUE', 'RESERVED', 1));
    expect(t.emitted()).toEqual(['status RESERVED (from CREATED)', 'CHARGE 2500']);
  });

  test('a repeated result of a finished order changes nothing: no second shipment, no refund', async () => {
    const t = start();
    await reserved(t, 'shipped');
    await t.send(payment('shipped', 'SUCCEEDED'));
    await reserved(t, 'cancelled');
    await t.send(payment('cancelled', 'DECLINED', 'card declined'));
    t.output.readValuesToList();
    await t.send(payment('shipped', 'SUCCEEDED'));
    await t.send(payment('cancelled', 'DECLINED', 'card declined'));
    expect(t.emitted()).toEqual([]);
    expect((await t.orderOf('shipped'))?.status).toBe('SHIPPED');
    expect((await t.orderOf('cancelled'))?.status).toBe('CANCELLED');
  });

  test('a charge that succeeds for a cancelled order is refunded', async () => {
    const t = start();
    await reserved(t);
    await t.send(payment('o-1', 'DECLINED', 'card declined'));
    t.output.readValuesToList();
    await t.send(payment('o-1', 'SUCCEEDED'));
    expect(t.output.readValuesToList()).toEqual([
      {
        kind: 'payment',
        event: { orderId: 'o-1', amount: 2500, currency: 'EUR', paymentMethod: 'card', kind: 'REFUND' },
      },
    ]);
    expect((await t.orderOf('o-1'))?.status).toBe('CANCELLED');
    expect(t.metrics.count('compensation:refund:late_payment')).toBe(1);
  });
});

describe('expiry (wall-clock punctuation over the order-expiry index)', () => {
  test('RESERVED with no payment outcome by its deadline: EXPIRED at that check, its stock released', async () => {
    const t = start();
    await reserved(t); // at the wall clock's start: due 1,000 ms later
    await t.advance(900);
    expect(t.emitted()).toEqual([]);
    await t.advance(100);
    const out = t.output.readRecordsToList();
    const deadline = WALL_CLOCK_START + OPTIONS.reservationTimeoutMs;
    expect(out.map((r) => [r.key, summary(r.value)])).toEqual([
      ['RED', 'RELEASE RED×2'],
      ['BLUE', 'RELEASE BLUE×1'],
      ['o-1', 'status EXPIRED (from RESERVED)'],
      ['o-1', 'notify EXPIRED'],
    ]);
    // A punctuator has no input record: its outputs are stamped with the wall clock of the check.
    expect(out.map((r) => r.timestamp)).toEqual([deadline, deadline, deadline, deadline]);
    expect(out[2]?.value).toEqual({
      kind: 'status',
      event: expect.objectContaining({ at: deadline, reason: 'no payment outcome within 1000 ms' }),
    });
    expect(await t.orderOf('o-1')).toEqual(
      expect.objectContaining({ status: 'EXPIRED', lines: { RED: 'RELEASED', BLUE: 'RELEASED' } }),
    );
    expect(await t.expiryIndex()).toEqual([]);
    expect(t.metrics.count('compensation:release_stock:expired')).toBe(1);
    await t.advance(2_000);
    expect(t.emitted()).toEqual([]); // expired once
  });

  test('each order expires at its own deadline', async () => {
    const t = start();
    await reserved(t, 'early');
    await t.advance(500);
    await reserved(t, 'late');
    await t.advance(500);
    expect(t.emitted().filter((s) => s.startsWith('status'))).toEqual(['status EXPIRED (from RESERVED)']);
    expect((await t.orderOf('early'))?.status).toBe('EXPIRED');
    expect((await t.orderOf('late'))?.status).toBe('RESERVED');
    await t.advance(400);
    expect(t.emitted()).toEqual([]);
    await t.advance(100);
    expect(t.emitted().filter((s) => s.startsWith('status'))).toEqual(['status EXPIRED (from RESERVED)']);
    expect((await t.orderOf('late'))?.status).toBe('EXPIRED');
  });

  test('an order paid or declined before its deadline never expires', async () => {
    const t = start();
    await reserved(t, 'paid');
    await reserved(t, 'declined');
    await t.advance(500);
    await t.send(payment('paid', 'SUCCEEDED'));
    await t.send(payment('declined', 'DECLINED', 'card declined'));
    expect(await t.expiryIndex()).toEqual([]);
    t.output.readValuesToList();
    await t.advance(2_000);
    expect(t.emitted()).toEqual([]);
    expect((await t.orderOf('paid'))?.status).toBe('SHIPPED');
    expect((await t.orderOf('declined'))?.status).toBe('CANCELLED');
  });

  test('after expiry a successful charge is refunded and a failed one changes nothing', async () => {
    const t = start();
    await reserved(t);
    await t.advance(1_000);
    t.output.readValuesToList();
    await t.send(payment('o-1', 'SUCCEEDED'));
    expect(t.emitted()).toEqual(['REFUND 2500']);
    await t.send(payment('o-1', 'DECLINED', 'card declined'));
    expect(t.emitted()).toEqual([]);
    expect((await t.orderOf('o-1'))?.status).toBe('EXPIRED');
  });
});
