import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PAYMENT_RETRY_INDEX,
  PAYMENT_STORE,
  PaymentProcessor,
  type PaymentOptions,
} from '../../../processors/payment.ts';
import type { ChargeOutcome, PaymentPort } from '../../../processors/ports.ts';
import type { PaymentRequested, PaymentResult } from '../../../schemas/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Stores } from '../../../state-stores/index.ts';
import { Serdes, StreamsBuilder, type Topology } from '../../../topology/index.ts';
import { advanceInSteps, HeldCalls } from '../../support/held-calls.ts';

/** A gateway whose answers the test gives, one call at a time, in any order. */
class HeldGateway implements PaymentPort {
  private readonly held = new HeldCalls<ChargeOutcome>();
  readonly calls = this.held.made;
  charge(request: { orderId: string }): Promise<ChargeOutcome> {
    return this.held.hold(request.orderId);
  }
  answer(orderId: string, outcome: ChargeOutcome = { outcome: 'SUCCEEDED', chargeId: `ch-${orderId}` }) {
    this.held.answer(orderId, outcome);
  }
  async refund(): Promise<{ outcome: string }> {
    return { outcome: 'REFUNDED' };
  }
}

const OPTIONS: PaymentOptions = {
  maxAttempts: 3,
  backoff: () => 100,
  retryCheckIntervalMs: 50,
  maxInFlight: 8,
  completionCheckIntervalMs: 5,
  lostCallAfterMs: 10_000,
};

function topology(gateway: PaymentPort, options: Partial<PaymentOptions> = {}): Topology {
  const builder = new StreamsBuilder();
  for (const [name, serde] of [
    [PAYMENT_STORE, Serdes.Json()],
    [PAYMENT_RETRY_INDEX, Serdes.String()],
  ] as const) {
    builder.addStateStore(
      Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), serde),
    );
  }
  builder
    .stream('payment-requests', { keySerde: Serdes.String(), valueSerde: Serdes.Json<PaymentRequested>() })
    .process(
      () => new PaymentProcessor(gateway, { ...OPTIONS, ...options }),
      {},
      PAYMENT_STORE,
      PAYMENT_RETRY_INDEX,
    )
    .to('payment-results', { keySerde: Serdes.String(), valueSerde: Serdes.Json<PaymentResult>() });
  return builder.build();
}

function charge(orderId: string): PaymentRequested {
  return { orderId, kind: 'CHARGE', amount: 1000, currency: 'EUR', paymentMethod: 'card' };
}

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'payment-test-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function start(gateway: PaymentPort, options: Partial<PaymentOptions> = {}) {
  const driver = new TopologyTestDriver(topology(gateway, options), {
    applicationId: 'payment-test',
    stateDir,
    initialWallClockMs: 1_000_000,
  });
  const requests = driver.createInputTopic(
    'payment-requests',
    Serdes.String(),
    Serdes.Json<PaymentRequested>(),
  );
  const results = driver.createOutputTopic('payment-results', Serdes.String(), Serdes.Json<PaymentResult>());
  const advance = (ms: number) => advanceInSteps(driver, ms);
  return { driver, requests, results, advance };
}

test('calls for different orders are out at once; each answer becomes a result when it comes', async () => {
  const gateway = new HeldGateway();
  const { driver, requests, results, advance } = start(gateway);
  for (const id of ['a', 'b', 'c']) await requests.pipeInput(id, charge(id));
  expect(gateway.calls).toEqual(['a', 'b', 'c']); // none waited for another's answer
  await advance(10);
  expect(results.readValuesToList()).toEqual([]);
  gateway.answer('c');
  gateway.answer('a', { outcome: 'DECLINED', reason: 'card declined' });
  await advance(10);
  expect(results.readValuesToList().map((r) => [r?.orderId, r?.outcome])).toEqual([
    ['c', 'SUCCEEDED'],
    ['a', 'DECLINED'],
  ]);
  gateway.answer('b');
  await advance(10);
  expect(results.readKeyValuesToList().map((r) => r.key)).toEqual(['b']);
  await driver.close();
});

test('a repeated request while its call is out makes no second call', async () => {
  const gateway = new HeldGateway();
  const { driver, requests, results, advance } = start(gateway);
  await requests.pipeInput('a', charge('a'));
  await requests.pipeInput('a', charge('a'));
  gateway.answer('a');
  await advance(10);
  expect(gateway.calls).toEqual(['a']);
  expect(results.readValuesToList()).toHaveLength(1);
  await driver.close();
});

test('at maxInFlight calls out, the next request waits for an answer', async () => {
  const gateway = new HeldGateway();
  const { driver, requests } = start(gateway, { maxInFlight: 2 });
  await requests.pipeInput('a', charge('a'));
  let bTaken = false;
  const b = requests.pipeInput('b', charge('b')).then(() => (bTaken = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(gateway.calls).toEqual(['a', 'b']);
  expect(bTaken).toBe(false); // two calls out: the request that made the second one waits
  gateway.answer('a');
  await b;
  const c = requests.pipeInput('c', charge('c'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(gateway.calls).toEqual(['a', 'b', 'c']);
  gateway.answer('b');
  await c;
  gateway.answer('c');
  await driver.close();
});

test('a retryable answer schedules another attempt with the same key', async () => {
  const gateway = new HeldGateway();
  const { driver, requests, results, advance } = start(gateway);
  await requests.pipeInput('a', charge('a'));
  gateway.answer('a', { outcome: 'RETRYABLE', reason: 'gateway 503' });
  await advance(10);
  expect(results.readValuesToList()).toEqual([]);
  await advance(150); // backoff 100, then the next retry check
  expect(gateway.calls).toEqual(['a', 'a']);
  gateway.answer('a');
  await advance(10);
  expect(results.readValuesToList()).toEqual([
    expect.objectContaining({ outcome: 'SUCCEEDED', attempts: 2 }),
  ]);
  await driver.close();
});

test('a call out when its process died is made again by the next owner, under the same key', async () => {
  const first = new HeldGateway();
  const before = start(first);
  await before.requests.pipeInput('a', charge('a'));
  expect(first.calls).toEqual(['a']);
  await before.driver.close(); // the answer never comes back; CHARGING is in the committed store

  const second = new HeldGateway();
  const after = start(second);
  await after.advance(60); // the first retry check adopts it, long before lostCallAfterMs
  expect(second.calls).toEqual(['a']);
  second.answer('a');
  await after.advance(10);
  expect(after.results.readValuesToList()).toEqual([
    expect.objectContaining({ orderId: 'a', outcome: 'SUCCEEDED', attempts: 2 }),
  ]);
  await after.driver.close();
});
