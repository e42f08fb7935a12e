import { pino } from 'pino';
import { ReadModelSinkProcessor, type ReadModelPort } from '../../../processors/read-model-sink.ts';
import type { OrderStatusChanged } from '../../../schemas/index.ts';
import { TopologyTestDriver, type TopologyTestDriverConfig } from '../../../testing/index.ts';
import {
  DependencyUnavailableError,
  PunctuationType,
  Serdes,
  StreamRecord,
  StreamsBuilder,
  type KStream,
  type Processor,
  type ProcessorContext,
  type Topology,
} from '../../../topology/index.ts';

type Applied = Parameters<ReadModelPort['apply']>[0];

/**
 * The read model's port kept in memory (PostgreSQL is the integration tests' business): every
 * write it was asked for, in order. `down` makes writes fail as the port's contract says an
 * unreachable database does (DependencyUnavailableError); `broken` fails them as a bad statement;
 * `hold` keeps the next write unanswered until the test lets it finish.
 */
class InMemoryReadModel implements ReadModelPort {
  readonly applied: Applied[] = [];
  down = false;
  broken = false;
  private held: Promise<void> | null = null;

  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return release;
  }

  async apply(record: Applied): Promise<void> {
    const held = this.held;
    this.held = null;
    if (held) await held;
    if (this.down)
      throw new DependencyUnavailableError('read model: the database cannot be reached now', {
        cause: new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      });
    if (this.broken) throw new Error('value too long for type character varying(64)');
    this.applied.push(record);
  }
}

const TOPIC = 'order-status';

function statusEvent(orderId: string, status: OrderStatusChanged['status']): OrderStatusChanged {
  return { orderId, status, previousStatus: null, reason: null, at: 1_000, createdAt: 900 };
}

/** `order-status` into the sink, optionally through a processor in front of it. */
function topology(
  readModel: ReadModelPort,
  before?: () => Processor<string, OrderStatusChanged, string, OrderStatusChanged>,
): Topology {
  const builder = new StreamsBuilder();
  let stream: KStream<string, OrderStatusChanged> = builder.stream(TOPIC, {
    keySerde: Serdes.String(),
    valueSerde: Serdes.Json<OrderStatusChanged>(),
  });
  if (before) stream = stream.process(before);
  stream.process(() => new ReadModelSinkProcessor(readModel), { name: 'read-model-sink' });
  return builder.build();
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function start(topo: Topology, config: Partial<TopologyTestDriverConfig> = {}) {
  const d = new TopologyTestDriver(topo, {
    applicationId: 'read-model-test',
    initialWallClockMs: 1_000_000,
    logger: pino({ level: 'silent' }),
    ...config,
  });
  driver = d;
  const input = d.createInputTopic(TOPIC, Serdes.String(), Serdes.Json<OrderStatusChanged>());
  return { driver: d, input };
}

test('each status event is written once, with the topic, partition and offset it came from', async () => {
  const readModel = new InMemoryReadModel();
  const { input } = start(topology(readModel));
  const events = [
    statusEvent('o-1', 'CREATED'),
    statusEvent('o-2', 'CREATED'),
    statusEvent('o-1', 'RESERVED'),
  ];
  for (const event of events) await input.pipeInput(event.orderId, event);
  // The offsets are what lets the database skip a replay: each record's own, unchanged.
  expect(readModel.applied).toEqual([
    { topic: TOPIC, partition: 0, offset: 0n, value: events[0] },
    { topic: TOPIC, partition: 0, offset: 1n, value: events[1] },
    { topic: TOPIC, partition: 0, offset: 2n, value: events[2] },
  ]);
});

test('a record counts as processed only once its write finished', async () => {
  // Otherwise the offset could be committed before the row, and a crash in between would lose it.
  const readModel = new InMemoryReadModel();
  const { input } = start(topology(readModel));
  const release = readModel.hold();
  let processed = false;
  const piped = input.pipeInput('o-1', statusEvent('o-1', 'CREATED')).then(() => (processed = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(processed).toBe(false);
  release();
  await piped;
  expect(readModel.applied).toHaveLength(1);
});

test('a record without a source position (forwarded by a punctuator) is not written', async () => {
  // With no offset the database could not tell a replay from a new record.
  const readModel = new InMemoryReadModel();
  const relay = (): Processor<string, OrderStatusChanged, string, OrderStatusChanged> => {
    let context: ProcessorContext<string, OrderStatusChanged>;
    return {
      init(ctx) {
        context = ctx;
        ctx.schedule(100, PunctuationType.WALL_CLOCK_TIME, (now) =>
          context.forward(new StreamRecord('o-9', statusEvent('o-9', 'EXPIRED'), now)),
        );
      },
      process(record) {
        context.forward(record);
      },
    };
  };
  const { driver: d, input } = start(topology(readModel, relay));
  await input.pipeInput('o-1', statusEvent('o-1', 'CREATED'));
  await d.advanceWallClockTime(100);
  expect(readModel.applied).toEqual([
    { topic: TOPIC, partition: 0, offset: 0n, value: statusEvent('o-1', 'CREATED') },
  ]);
});

test("a failed write fails the record (handler 'fail'): nothing dead-lettered, nothing written", async () => {
  const readModel = new InMemoryReadModel();
  const { driver: d, input } = start(topology(readModel), { processingExceptionHandler: 'fail' });
  readModel.down = true;
  await expect(input.pipeInput('o-1', statusEvent('o-1', 'SHIPPED'))).rejects.toThrow(/cannot be reached/);
  expect(d.deadLetterRecords()).toEqual([]);
  expect(readModel.applied).toEqual([]);
});

// The read-model service runs with the engine's default handling, 'dead-letter'. A status change
// whose write failed because PostgreSQL was away must not be stepped over (a lost SHIPPED would
// leave the order PAID in the read model for good): the record fails, the thread rebuilds from the
// committed offset and writes it once the database is back. A bad statement is the record's own
// problem and is dead-lettered as before.
test("under the service's default handling (dead-letter) a write that failed because the database was away is not stepped over", async () => {
  const readModel = new InMemoryReadModel();
  const { driver: d, input } = start(topology(readModel), { processingExceptionHandler: 'dead-letter' });
  readModel.down = true;
  await expect(input.pipeInput('o-1', statusEvent('o-1', 'SHIPPED'))).rejects.toThrow(
    DependencyUnavailableError,
  );
  expect(d.deadLetterRecords()).toEqual([]);
  expect(readModel.applied).toEqual([]);
});

test('a write the database refuses for the record itself is dead-lettered, and the next one is written', async () => {
  const readModel = new InMemoryReadModel();
  const { driver: d, input } = start(topology(readModel), { processingExceptionHandler: 'dead-letter' });
  readModel.broken = true;
  await input.pipeInput('o-1', statusEvent('o-1', 'SHIPPED'));
  readModel.broken = false;
  await input.pipeInput('o-2', statusEvent('o-2', 'CREATED'));
  expect(d.deadLetterRecords()).toHaveLength(1);
  expect(readModel.applied.map((r) => r.value.orderId)).toEqual(['o-2']);
});
