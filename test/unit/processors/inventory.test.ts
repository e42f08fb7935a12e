import {
  INVENTORY_STORE,
  InventoryProcessor,
  RESERVATIONS_STORE,
  reservationKey,
  type InventoryInput,
  type ReservationEntry,
  type SkuStock,
} from '../../../processors/inventory.ts';
import type { ReservationAction, ReservationResult } from '../../../schemas/index.ts';
import { Stores } from '../../../state-stores/index.ts';
import { TopologyTestDriver, type TestRecord } from '../../../testing/index.ts';
import { Serdes, StreamsBuilder, type Topology } from '../../../topology/index.ts';
import { RecordingSagaMetrics } from '../../support/recording-saga-metrics.ts';

/** The inventory alone, as the app wires it: requests and stock keyed by SKU in, results keyed by orderId out. */
function topology(metrics: RecordingSagaMetrics): Topology {
  const builder = new StreamsBuilder();
  for (const name of [INVENTORY_STORE, RESERVATIONS_STORE]) {
    builder.addStateStore(
      Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.Json()),
    );
  }
  builder
    .stream('inventory-in', { keySerde: Serdes.String(), valueSerde: Serdes.Json<InventoryInput>() })
    .process(() => new InventoryProcessor({ metrics }), {}, INVENTORY_STORE, RESERVATIONS_STORE)
    .to('reservation-results', { keySerde: Serdes.String(), valueSerde: Serdes.Json<ReservationResult>() });
  return builder.build();
}

const delta = (sku: string, units: number): InventoryInput => ({
  kind: 'stock',
  stock: { sku, delta: units, reason: null },
});

function request(action: ReservationAction, orderId: string, sku: string, quantity: number): InventoryInput {
  return { kind: 'request', request: { orderId, sku, quantity, action } };
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function start() {
  const metrics = new RecordingSagaMetrics();
  const d = new TopologyTestDriver(topology(metrics), {
    applicationId: 'inventory-test',
    initialWallClockMs: 1_000_000,
  });
  driver = d;
  const input = d.createInputTopic('inventory-in', Serdes.String(), Serdes.Json<InventoryInput>());
  const results = d.createOutputTopic(
    'reservation-results',
    Serdes.String(),
    Serdes.Json<ReservationResult>(),
  );
  /** Pipes one input keyed by its SKU, as both input topics are partitioned in the app. */
  const send = (value: InventoryInput) =>
    input.pipeInput(value.kind === 'stock' ? value.stock.sku : value.request.sku, value);
  /** Sends one request and returns the single result it produced. */
  const decide = async (
    action: ReservationAction,
    orderId: string,
    sku: string,
    quantity: number,
  ): Promise<ReservationResult> => {
    await send(request(action, orderId, sku, quantity));
    const out = results.readKeyValuesToList();
    expect(out).toHaveLength(1);
    expect(out[0]?.key).toBe(orderId); // back to the saga's partitioning
    return out[0]?.value as ReservationResult;
  };
  const stockOf = async (sku: string) =>
    (await d.getKeyValueStore<string, SkuStock>(INVENTORY_STORE)).get(sku);
  const reservationOf = async (sku: string, orderId: string) =>
    (await d.getKeyValueStore<string, ReservationEntry>(RESERVATIONS_STORE)).get(
      reservationKey(sku, orderId),
    );
  return { driver: d, input, results, send, decide, stockOf, reservationOf, metrics };
}

const stock = (onHand: number, available: number, reserved: number, shortfall = 0): SkuStock => ({
  onHand,
  available,
  reserved,
  shortfall,
});

describe('stock deltas', () => {
  test('deliveries add to on-hand and available, per SKU, and answer nothing', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.send(delta('BLUE', 3));
    await t.send(delta('RED', 5));
    expect(await t.stockOf('RED')).toEqual(stock(15, 15, 0));
    expect(await t.stockOf('BLUE')).toEqual(stock(3, 3, 0));
    expect(t.results.isEmpty()).toBe(true);
  });

  test('shrinkage removes available units only; what is reserved stays and the rest is shortfall', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.send(delta('RED', -2)); // all of it available: simply removed
    expect(await t.stockOf('RED')).toEqual(stock(8, 8, 0));
    await t.decide('RESERVE', 'o-1', 'RED', 6);
    await t.send(delta('RED', -5)); // only 2 available: 3 of the 5 cannot be taken from promised units
    expect(await t.stockOf('RED')).toEqual(stock(6, 0, 6, 3));
    await t.send(delta('GHOST', -4)); // a SKU never stocked goes to shortfall, not below zero
    expect(await t.stockOf('GHOST')).toEqual(stock(0, 0, 0, 4));
  });
});

describe('reserve', () => {
  test('succeeds while available ≥ quantity (all of it included), then is refused without a change', async () => {
    const t = start();
    await t.send(delta('RED', 5));
    expect(await t.decide('RESERVE', 'o-1', 'RED', 3)).toEqual({
      orderId: 'o-1',
      sku: 'RED',
      quantity: 3,
      outcome: 'RESERVED',
      available: 2,
      reason: null,
    });
    expect((await t.decide('RESERVE', 'o-2', 'RED', 2)).outcome).toBe('RESERVED');
    expect(await t.stockOf('RED')).toEqual(stock(5, 0, 5));
    expect(await t.decide('RESERVE', 'o-3', 'RED', 1)).toEqual({
      orderId: 'o-3',
      sku: 'RED',
      quantity: 1,
      outcome: 'REJECTED',
      available: 0,
      reason: 'insufficient stock: 0 available, 1 requested',
    });
    expect(await t.stockOf('RED')).toEqual(stock(5, 0, 5));
    expect(await t.reservationOf('RED', 'o-3')).toEqual({ quantity: 1, state: 'REJECTED' });
    expect(t.metrics.calls).toEqual(['reservationRejected:insufficient_stock']);
  });

  test('a SKU that was never stocked is refused and counted as unknown, not as short', async () => {
    const t = start();
    await t.send(delta('RED', 0)); // known, with nothing in it
    expect((await t.decide('RESERVE', 'o-1', 'NONE', 1)).outcome).toBe('REJECTED');
    expect((await t.decide('RESERVE', 'o-2', 'RED', 1)).outcome).toBe('REJECTED');
    expect(t.metrics.calls).toEqual([
      'reservationRejected:unknown_sku',
      'reservationRejected:insufficient_stock',
    ]);
    expect(await t.stockOf('NONE')).toBeUndefined(); // a refusal creates no stock entry
  });

  test('no oversell: 30 orders for one SKU in one batch take exactly what is there, in arrival order', async () => {
    const t = start();
    await t.send(delta('HOT', 20));
    const quantities = [
      3, 1, 4, 1, 5, 2, 6, 2, 1, 3, 2, 1, 4, 1, 1, 2, 3, 1, 1, 2, 5, 1, 1, 1, 2, 1, 3, 1, 1, 1,
    ];
    const batch: TestRecord<string, InventoryInput>[] = quantities.map((q, i) => ({
      key: 'HOT',
      value: request('RESERVE', `o-${i}`, 'HOT', q),
    }));
    await t.input.pipeRecordList(batch);

    // The same decisions one at a time against a running count: first come, first served.
    let left = 20;
    const expected = quantities.map((q, i) => {
      const fits = q <= left;
      if (fits) left -= q;
      return { orderId: `o-${i}`, outcome: fits ? 'RESERVED' : 'REJECTED', available: left };
    });
    const results = t.results.readValuesToList();
    expect(
      results.map((r) => ({ orderId: r?.orderId, outcome: r?.outcome, available: r?.available })),
    ).toEqual(expected);
    expect(left).toBe(0); // chosen so the stock runs out exactly, and a refused order is followed by smaller ones that fit
    const reserved = results
      .filter((r) => r?.outcome === 'RESERVED')
      .reduce((s, r) => s + (r?.quantity ?? 0), 0);
    expect(reserved).toBe(20);
    expect(await t.stockOf('HOT')).toEqual(stock(20, 0, 20));
    expect(t.metrics.count('oversell')).toBe(0);
  });

  test('lines of one order are decided each on its own: the short line is refused, the other is held until released', async () => {
    // All-or-nothing is the saga's compensation (a RELEASE of the held lines), not the inventory's:
    // each SKU lives in its own partition, so no task could decide two lines together.
    const t = start();
    await t.send(delta('RED', 5));
    await t.send(delta('BLUE', 1));
    expect((await t.decide('RESERVE', 'o-1', 'RED', 2)).outcome).toBe('RESERVED');
    expect((await t.decide('RESERVE', 'o-1', 'BLUE', 3)).outcome).toBe('REJECTED');
    expect(await t.stockOf('RED')).toEqual(stock(5, 3, 2));
    expect(await t.stockOf('BLUE')).toEqual(stock(1, 1, 0));

    expect(await t.decide('RELEASE', 'o-1', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 2, available: 5, reason: null }),
    );
    expect(await t.decide('RELEASE', 'o-1', 'BLUE', 3)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 0, reason: 'reservation is REJECTED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(5, 5, 0));
    expect(await t.stockOf('BLUE')).toEqual(stock(1, 1, 0));
  });
});

describe('commit and release', () => {
  test('commit (shipment) takes the units off hand and out of reserved; available does not move', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 4);
    expect(await t.decide('COMMIT', 'o-1', 'RED', 4)).toEqual({
      orderId: 'o-1',
      sku: 'RED',
      quantity: 4,
      outcome: 'COMMITTED',
      available: 6,
      reason: null,
    });
    expect(await t.stockOf('RED')).toEqual(stock(6, 6, 0));
    expect(await t.reservationOf('RED', 'o-1')).toEqual({ quantity: 4, state: 'COMMITTED' });
  });

  test('release (cancellation) gives the reserved units back to available', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 4);
    expect(await t.decide('RELEASE', 'o-1', 'RED', 4)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 4, available: 10, reason: null }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(10, 10, 0));
    expect(await t.reservationOf('RED', 'o-1')).toEqual({ quantity: 4, state: 'RELEASED' });
  });

  test('commit and release move the quantity that was reserved, whatever quantity they carry', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 4);
    await t.decide('RESERVE', 'o-2', 'RED', 3);
    expect((await t.decide('COMMIT', 'o-1', 'RED', 1)).quantity).toBe(4);
    expect((await t.decide('RELEASE', 'o-2', 'RED', 9)).quantity).toBe(3);
    expect(await t.stockOf('RED')).toEqual(stock(6, 6, 0));
  });
});

describe('repeated requests for the same order and SKU', () => {
  test('a repeated RESERVE answers the recorded decision and reserves nothing more', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 3);
    expect(await t.decide('RESERVE', 'o-1', 'RED', 3)).toEqual(
      expect.objectContaining({ outcome: 'RESERVED', quantity: 3, available: 7, reason: null }),
    );
    // Even with another quantity: the first decision stands.
    expect((await t.decide('RESERVE', 'o-1', 'RED', 5)).quantity).toBe(3);
    expect(await t.stockOf('RED')).toEqual(stock(10, 7, 3));
    // Another order for the same SKU is its own reservation.
    expect((await t.decide('RESERVE', 'o-2', 'RED', 3)).outcome).toBe('RESERVED');
    expect(await t.stockOf('RED')).toEqual(stock(10, 4, 6));
  });

  test('a refused RESERVE stays refused when repeated after stock arrived, and is counted once', async () => {
    const t = start();
    await t.send(delta('RED', 1));
    await t.decide('RESERVE', 'o-1', 'RED', 2);
    await t.send(delta('RED', 5));
    expect(await t.decide('RESERVE', 'o-1', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'REJECTED', available: 6, reason: 'reservation is REJECTED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(6, 6, 0));
    expect(t.metrics.calls).toEqual(['reservationRejected:insufficient_stock']);
  });

  test('a repeated RELEASE gives the units back once; a repeated COMMIT takes them once', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 3);
    await t.decide('RELEASE', 'o-1', 'RED', 3);
    expect(await t.decide('RELEASE', 'o-1', 'RED', 3)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 0, reason: 'reservation is RELEASED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(10, 10, 0));

    await t.decide('RESERVE', 'o-2', 'RED', 4);
    await t.decide('COMMIT', 'o-2', 'RED', 4);
    expect(await t.decide('COMMIT', 'o-2', 'RED', 4)).toEqual(
      expect.objectContaining({ outcome: 'COMMITTED', quantity: 0, reason: 'reservation is COMMITTED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(6, 6, 0));
  });

  test('a RESERVE repeated after its commit answers RESERVED and holds nothing again', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 3);
    await t.decide('COMMIT', 'o-1', 'RED', 3);
    expect(await t.decide('RESERVE', 'o-1', 'RED', 3)).toEqual(
      expect.objectContaining({ outcome: 'RESERVED', quantity: 3, available: 7 }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(7, 7, 0));
  });

  test('once committed a release gives nothing back; once released a commit takes nothing', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RESERVE', 'o-1', 'RED', 3);
    await t.decide('COMMIT', 'o-1', 'RED', 3);
    expect(await t.decide('RELEASE', 'o-1', 'RED', 3)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 0, reason: 'reservation is COMMITTED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(7, 7, 0));

    await t.decide('RESERVE', 'o-2', 'RED', 2);
    await t.decide('RELEASE', 'o-2', 'RED', 2);
    expect(await t.decide('COMMIT', 'o-2', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'COMMITTED', quantity: 0, reason: 'reservation is RELEASED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(7, 7, 0));
  });

  test('a RELEASE or COMMIT with nothing reserved changes no stock', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    expect(await t.decide('COMMIT', 'o-1', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'COMMITTED', quantity: 0, available: 10, reason: 'no reservation' }),
    );
    expect(await t.decide('RELEASE', 'o-2', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'RELEASED', quantity: 0, available: 10, reason: 'no reservation' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(10, 10, 0));
  });

  test('a RELEASE that overtook its RESERVE: the late RESERVE is refused, so nothing stays held', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RELEASE', 'o-1', 'RED', 2);
    expect(await t.reservationOf('RED', 'o-1')).toEqual({ quantity: 0, state: 'RELEASED' });
    expect(await t.decide('RESERVE', 'o-1', 'RED', 2)).toEqual(
      expect.objectContaining({ outcome: 'REJECTED', reason: 'reservation is RELEASED' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(10, 10, 0));
    expect(t.metrics.calls).toEqual(['reservationRejected:already_released']);
  });

  // SagaMetricsPort.reservationRejected promises "replayed requests are not counted again": a
  // RESERVE refused because its RELEASE overtook it is counted once, however often it is replayed.
  test('a replayed RESERVE after an overtaking RELEASE is not counted as a refusal again', async () => {
    const t = start();
    await t.send(delta('RED', 10));
    await t.decide('RELEASE', 'o-1', 'RED', 2);
    await t.decide('RESERVE', 'o-1', 'RED', 2);
    await t.decide('RESERVE', 'o-1', 'RED', 2); // the same request again (a replay)
    expect(t.metrics.count('reservationRejected:already_released')).toBe(1);
  });
});

describe('the last check before a write', () => {
  test('a RESERVE that would take a field below zero is refused as an oversell, counted, and changes nothing', async () => {
    // Only input the saga never sends gets here (quantities are ≥ 1 by the order rules): a
    // negative quantity passes the availability test but would make `reserved` negative.
    const t = start();
    await t.send(delta('RED', 5));
    expect(await t.decide('RESERVE', 'o-1', 'RED', -1)).toEqual(
      expect.objectContaining({ outcome: 'REJECTED', quantity: -1, available: 5, reason: 'would oversell' }),
    );
    expect(await t.stockOf('RED')).toEqual(stock(5, 5, 0));
    expect(await t.reservationOf('RED', 'o-1')).toEqual({ quantity: -1, state: 'REJECTED' });
    expect(t.metrics.calls).toEqual(['oversell']);
  });

  test('a COMMIT that would take on-hand below zero is still applied (the units left) but counted', async () => {
    const t = start();
    await t.send(delta('RED', 5));
    await t.decide('RESERVE', 'o-1', 'RED', 3);
    // A store that broke its invariant (on hand 1 although 3 are reserved).
    const store = await t.driver.getKeyValueStore<string, SkuStock>(INVENTORY_STORE);
    await store.put('RED', stock(1, 2, 3));
    expect((await t.decide('COMMIT', 'o-1', 'RED', 3)).outcome).toBe('COMMITTED');
    expect(await t.stockOf('RED')).toEqual(stock(-2, 2, 0));
    expect(t.metrics.calls).toEqual(['oversell']);
  });
});
