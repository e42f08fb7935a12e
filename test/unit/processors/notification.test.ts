import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NOTIFICATION_RETRY_INDEX,
  NOTIFICATION_RETRY_STORE,
  NotificationProcessor,
  type NotificationOptions,
  type NotificationOutcome,
} from '../../../processors/notification.ts';
import type { DeliveryOutcome, NotificationMessage, NotifierPort } from '../../../processors/ports.ts';
import type { NotificationRequested } from '../../../schemas/index.ts';
import { Stores } from '../../../state-stores/index.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Serdes, StreamsBuilder, type Topology } from '../../../topology/index.ts';
import { advanceInSteps, HeldCalls } from '../../support/held-calls.ts';

/** A notifier whose answers the test gives, per idempotency key, in any order. */
class HeldNotifier implements NotifierPort {
  private readonly held = new HeldCalls<DeliveryOutcome>();
  readonly sent = this.held.made;
  send(_channel: string, message: NotificationMessage): Promise<DeliveryOutcome> {
    return this.held.hold(message.idempotencyKey);
  }
  answer(key: string, outcome: DeliveryOutcome = { ok: true }): void {
    this.held.answer(key, outcome);
  }
}

const OPTIONS: NotificationOptions = {
  maxAttempts: 3,
  backoff: () => 100,
  retryCheckIntervalMs: 50,
  maxInFlight: 8,
  completionCheckIntervalMs: 5,
  lostCallAfterMs: 10_000,
};

function topology(notifier: NotifierPort): Topology {
  const builder = new StreamsBuilder();
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      Stores.persistentKeyValueStore(NOTIFICATION_RETRY_STORE),
      Serdes.String(),
      Serdes.Json(),
    ),
  );
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      Stores.persistentKeyValueStore(NOTIFICATION_RETRY_INDEX),
      Serdes.String(),
      Serdes.String(),
    ),
  );
  builder
    .stream('notification-requests', {
      keySerde: Serdes.String(),
      valueSerde: Serdes.Json<NotificationRequested>(),
    })
    .process(
      () => new NotificationProcessor(notifier, OPTIONS),
      {},
      NOTIFICATION_RETRY_STORE,
      NOTIFICATION_RETRY_INDEX,
    )
    .to('notifications', { keySerde: Serdes.String(), valueSerde: Serdes.Json<NotificationOutcome>() });
  return builder.build();
}

function shipped(orderId: string): NotificationRequested {
  return {
    orderId,
    status: 'SHIPPED',
    previousStatus: 'PAID',
    reason: null,
    email: 'ada@example.com',
    phone: '+4915112345678',
    webhookUrl: null,
    at: 0,
  };
}

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'notification-test-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function start(notifier: NotifierPort) {
  const driver = new TopologyTestDriver(topology(notifier), {
    applicationId: 'notification-test',
    stateDir,
    initialWallClockMs: 1_000_000,
  });
  const requests = driver.createInputTopic(
    'notification-requests',
    Serdes.String(),
    Serdes.Json<NotificationRequested>(),
  );
  const outcomes = driver.createOutputTopic(
    'notifications',
    Serdes.String(),
    Serdes.Json<NotificationOutcome>(),
  );
  const advance = (ms: number) => advanceInSteps(driver, ms);
  return { driver, requests, outcomes, advance };
}

test('deliveries of different orders and channels are out at once; outcomes follow the answers', async () => {
  const notifier = new HeldNotifier();
  const { driver, requests, outcomes, advance } = start(notifier);
  await requests.pipeInput('a', shipped('a'));
  await requests.pipeInput('b', shipped('b'));
  expect(notifier.sent).toEqual(['a:SHIPPED:EMAIL', 'a:SHIPPED:SMS', 'b:SHIPPED:EMAIL', 'b:SHIPPED:SMS']);
  notifier.answer('b:SHIPPED:SMS');
  notifier.answer('a:SHIPPED:EMAIL', { ok: false, retryable: false, reason: 'mailbox unknown' });
  await advance(10);
  expect(
    outcomes.readValuesToList().map((o) => `${o?.event.orderId}:${o?.event.channel}:${o?.kind}`),
  ).toEqual(['b:SMS:sent', 'a:EMAIL:failed']);
  notifier.answer('a:SHIPPED:SMS');
  notifier.answer('b:SHIPPED:EMAIL');
  await advance(10);
  expect(outcomes.readValuesToList()).toHaveLength(2);
  await driver.close();
});

test('a delivery out when its process died is sent again by the next owner', async () => {
  const first = new HeldNotifier();
  const before = start(first);
  await before.requests.pipeInput('a', { ...shipped('a'), phone: null });
  await before.driver.close(); // the answer never comes back

  const second = new HeldNotifier();
  const after = start(second);
  await after.advance(60);
  expect(second.sent).toEqual(['a:SHIPPED:EMAIL']);
  second.answer('a:SHIPPED:EMAIL');
  await after.advance(10);
  expect(after.outcomes.readValuesToList()).toEqual([
    expect.objectContaining({
      kind: 'sent',
      event: expect.objectContaining({ orderId: 'a', channel: 'EMAIL' }),
    }),
  ]);
  await after.driver.close();
});
