import {
  ProcessingError,
  PunctuationType,
  Serdes,
  StreamRecord,
  TopologyError,
  ValidationError,
  type Processor,
  type ProcessorContext,
  type RecordMetadata,
} from '../../../../topology/index.ts';
import type { KeyValueStore } from '../../../../state-stores/state-store.ts';
import { readDeadLetterHeaders } from '../../../../runtime/task/index.ts';
import { newBuilder } from '../../testing/support/builders.ts';
import { memoryStoreBuilder, type MemoryKeyValueStore } from '../../testing/support/memory-store.ts';
import { input, taskHarness } from './harness.ts';

const S = Serdes.String();

interface Order {
  id: string;
  qty: number;
}

function jsonPipeline(mapper: (order: Order) => number = (o) => o.qty) {
  const builder = newBuilder();
  builder
    .stream('orders', { keySerde: S, valueSerde: Serdes.Json<Order>() })
    .mapValues(mapper)
    .to('qty', { valueSerde: Serdes.Long() });
  return builder.build();
}

describe('TaskProcessor lifecycle', () => {
  it('refuses to process before init, processes after, and closes idempotently', async () => {
    const { task, sent } = taskHarness(jsonPipeline());
    await expect(task.process(input('orders', 'o1', '{"id":"o1","qty":2}'))).rejects.toThrow(ProcessingError);
    await task.init();
    await task.process(input('orders', 'o1', '{"id":"o1","qty":2}', 500));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'qty', key: Buffer.from('o1'), timestamp: 500 });
    expect(sent[0]?.partition).toBeUndefined();
    expect(sent[0]?.value?.readBigInt64BE()).toBe(2n);
    expect(task.counters.processed).toBe(1);
    await task.close();
    await task.close();
    await expect(task.process(input('orders', 'o1', '{}'))).rejects.toThrow(/needs state running, is closed/);
  });

  it('rejects records of a topic the task does not read', async () => {
    const { task } = taskHarness(jsonPipeline());
    await task.init();
    await expect(task.process(input('elsewhere', null, 'x'))).rejects.toThrow(
      'Task 0_3 has no source for topic elsewhere; it reads [orders]',
    );
  });

  it('rejects a second call while one is running', async () => {
    const builder = newBuilder();
    let release: () => void = () => undefined;
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => ({
      process: () => new Promise<void>((resolve) => (release = resolve)),
    }));
    const { task } = taskHarness(builder.build());
    await task.init();
    const first = task.process(input('in', 'a', '1'));
    await expect(task.process(input('in', 'b', '2'))).rejects.toThrow(
      /another call is running; await each call/,
    );
    release();
    await first;
  });
});

describe('TaskProcessor dead-lettering', () => {
  it('dead-letters undecodable bytes with the contract headers and keeps going', async () => {
    const { task, sent, deadLetters, clock } = taskHarness(jsonPipeline());
    await task.init();
    clock.now = 42_000;
    const bad = input('orders', 'o1', 'not json {', 7, new Map([['traceparent', Buffer.from('tp')]]));
    await task.process(bad);
    await task.process(input('orders', 'o2', '{"id":"o2","qty":5}', 8));

    expect(deadLetters).toHaveLength(1);
    const dlq = deadLetters[0]!;
    expect(dlq.key).toEqual(Buffer.from('o1'));
    expect(dlq.value).toEqual(Buffer.from('not json {'));
    expect(dlq.timestamp).toBe(7);
    expect(dlq.stage).toBe('deserialize');
    expect(readDeadLetterHeaders(dlq.headers)).toEqual({
      reason: expect.stringMatching(/^SerdeError: JSON on orders: /),
      stage: 'deserialize',
      sourceTopic: 'orders',
      sourcePartition: 3,
      sourceOffset: bad.offset,
      atMs: 42_000,
    });
    expect(dlq.headers.get('traceparent')?.toString()).toBe('tp');
    expect(sent.map((r) => r.key?.toString())).toEqual(['o2']);
    expect(task.counters).toMatchObject({ processed: 1, deadLettered: 1 });
  });

  it('dead-letters records without a valid timestamp', async () => {
    const { task, deadLetters } = taskHarness(jsonPipeline());
    await task.init();
    await task.process(input('orders', 'o1', '{"id":"o1","qty":1}', -1));
    expect(deadLetters.map((d) => [d.stage, d.reason])).toEqual([
      ['timestamp', 'ValidationError: Invalid record timestamp -1'],
    ]);
  });

  it('fails on processor errors by default, with the record position and the cause', async () => {
    const boom = new Error('boom');
    const { task, deadLetters } = taskHarness(
      jsonPipeline(() => {
        throw boom;
      }),
    );
    await task.init();
    const record = input('orders', 'o1', '{"id":"o1","qty":1}');
    const failure = task.process(record);
    await expect(failure).rejects.toThrow(`Task 0_3 failed on orders-3@${record.offset}: boom`);
    await expect(failure).rejects.toMatchObject({ cause: boom });
    expect(deadLetters).toHaveLength(0);
  });

  it("dead-letters processor errors with handler 'dead-letter'", async () => {
    const { task, deadLetters, sent } = taskHarness(
      jsonPipeline((o) => {
        if (o.qty > 10) throw new RangeError('too many');
        return o.qty;
      }),
      { processingExceptionHandler: 'dead-letter' },
    );
    await task.init();
    await task.process(input('orders', 'o1', '{"id":"o1","qty":11}'));
    await task.process(input('orders', 'o2', '{"id":"o2","qty":1}'));
    expect(deadLetters.map((d) => [d.stage, d.reason])).toEqual([['process', 'RangeError: too many']]);
    expect(sent).toHaveLength(1);
  });

  it('always dead-letters ValidationErrors, and sink serialization errors as stage serialize', async () => {
    const builder = newBuilder();
    const stream = builder.stream('in', { keySerde: S, valueSerde: S });
    stream
      .filter((_k, v) => {
        if (v === 'invalid') throw new ValidationError('value must not be "invalid"');
        return true;
      })
      .mapValues((v): number => (v === 'unserializable' ? -0.5 : 1))
      .to('out', {
        valueSerde: {
          serialize: (_t, n: number) => {
            if (n < 0) throw new RangeError('negative');
            return Buffer.from(String(n));
          },
          deserialize: (_t, b) => Number(b.toString()),
        },
      });
    const { task, deadLetters, sent } = taskHarness(builder.build());
    await task.init();
    await task.process(input('in', 'k', 'invalid'));
    await task.process(input('in', 'k', 'unserializable'));
    await task.process(input('in', 'k', 'fine'));
    expect(deadLetters.map((d) => d.stage)).toEqual(['validate', 'serialize']);
    expect(deadLetters[1]?.reason).toMatch(
      /Sink KSTREAM-SINK-0000000003 could not serialize the value for topic out: negative/,
    );
    expect(sent).toHaveLength(1);
  });
});

/** A processor that records what it sees and schedules punctuators in init. */
function recorder(
  log: string[],
  schedule: (ctx: ProcessorContext<string, string>, log: string[]) => void = () => undefined,
): () => Processor<string, string, string, string> {
  return () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init(context) {
        ctx = context;
        schedule(context, log);
      },
      process(record) {
        log.push(`process ${record.value} @${ctx.currentStreamTimeMs()}`);
        ctx.forward(record);
      },
    };
  };
}

describe('TaskProcessor time and punctuation', () => {
  it('tracks stream time as the max timestamp and fires STREAM_TIME punctuators as it passes intervals', async () => {
    const log: string[] = [];
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).process(
      recorder(log, (ctx, l) => {
        ctx.schedule(10, PunctuationType.STREAM_TIME, (t) => {
          l.push(`punctuate ${t} meta=${ctx.recordMetadata()}`);
        });
      }),
    );
    const { task } = taskHarness(builder.build());
    await task.init();
    expect(task.streamTimeMs()).toBe(-1);
    for (const [value, ts] of [
      ['a', 3],
      ['b', 9],
      ['c', 5],
      ['d', 10],
      ['e', 45],
      ['f', 46],
    ] as const) {
      await task.process(input('in', 'k', value, ts));
    }
    expect(log).toEqual([
      'process a @3',
      'punctuate 3 meta=null', // aligned to 0: fires with the first record
      'process b @9',
      'process c @9', // out of order: stream time stays
      'process d @10',
      'punctuate 10 meta=null',
      'process e @45',
      'punctuate 45 meta=null', // missed 20, 30, 40: fires once, next at 50
      'process f @46',
    ]);
    expect(task.streamTimeMs()).toBe(46);
  });

  it('fires WALL_CLOCK_TIME punctuators only from punctuateWallClock, skipping missed intervals, until cancelled', async () => {
    const log: string[] = [];
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).process(
      recorder(log, (ctx, l) => {
        const handle = ctx.schedule(100, PunctuationType.WALL_CLOCK_TIME, (t) => {
          l.push(`wall ${t} system=${ctx.currentSystemTimeMs()}`);
          if (t >= 1_400) handle.cancel();
        });
      }),
    );
    const { task, clock } = taskHarness(builder.build());
    await task.init(); // clock at 1000: first due at 1100
    for (const now of [1_050, 1_100, 1_150, 1_350, 1_399, 1_400, 1_600]) {
      clock.now = now;
      await task.punctuateWallClock(now);
    }
    expect(log).toEqual(['wall 1100 system=1100', 'wall 1350 system=1350', 'wall 1400 system=1400']);
  });

  it('routes records forwarded by a punctuator downstream', async () => {
    const builder = newBuilder();
    builder
      .stream('in', { keySerde: S, valueSerde: S })
      .process((): Processor<string, string, string, string> => {
        let ctx: ProcessorContext<string, string>;
        return {
          init(context) {
            ctx = context;
            ctx.schedule(50, PunctuationType.WALL_CLOCK_TIME, (t) =>
              ctx.forward(new StreamRecord('tick', String(t), t)),
            );
          },
          process: () => undefined,
        };
      })
      .to('ticks', { keySerde: S, valueSerde: S });
    const { task, sent } = taskHarness(builder.build());
    await task.init();
    await task.punctuateWallClock(1_050);
    expect(sent.map((r) => [r.topic, r.value?.toString(), r.timestamp])).toEqual([['ticks', '1050', 1_050]]);
  });

  it("a failing punctuator rejects with 'fail' and is counted with 'dead-letter'", async () => {
    const build = () => {
      const builder = newBuilder();
      builder.stream('in', { keySerde: S, valueSerde: S }).process(() => ({
        init(ctx: ProcessorContext<never, never>) {
          ctx.schedule(10, PunctuationType.WALL_CLOCK_TIME, () => {
            throw new Error('tick failed');
          });
        },
        process: () => undefined,
      }));
      return builder.build();
    };
    const failing = taskHarness(build());
    await failing.task.init();
    await expect(failing.task.punctuateWallClock(5_000)).rejects.toThrow(
      /WALL_CLOCK_TIME punctuator of KSTREAM-PROCESSOR-0000000001 failed: tick failed/,
    );
    const tolerant = taskHarness(build(), { processingExceptionHandler: 'dead-letter' });
    await tolerant.task.init();
    await tolerant.task.punctuateWallClock(5_000);
    expect(tolerant.task.counters.punctuationErrors).toBe(1);
  });
});

describe('TaskProcessor forwarding', () => {
  it('processes depth-first: each forwarded record goes through the whole sub-tree before the next', async () => {
    const log: string[] = [];
    const builder = newBuilder();
    const split = builder.stream('in', { keySerde: S, valueSerde: S }).flatMapValues((v) => v.split(''));
    split.peek((_k, v) => log.push(`left ${v}`)).peek((_k, v) => log.push(`left-deep ${v}`));
    split.peek((_k, v) => log.push(`right ${v}`));
    const { task } = taskHarness(builder.build());
    await task.init();
    await task.process(input('in', 'k', 'ab'));
    expect(log).toEqual(['left a', 'left-deep a', 'right a', 'left b', 'left-deep b', 'right b']);
  });

  it('awaits async processors record by record, so no two records interleave', async () => {
    const events: string[] = [];
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => ({
      async process(record: StreamRecord<string, string>) {
        events.push(`start ${record.value}`);
        await new Promise((r) => setTimeout(r, record.value === 'slow' ? 20 : 0));
        events.push(`end ${record.value}`);
      },
    }));
    const { task } = taskHarness(builder.build());
    await task.init();
    await task.process(input('in', 'k', 'slow'));
    await task.process(input('in', 'k', 'fast'));
    expect(events).toEqual(['start slow', 'end slow', 'start fast', 'end fast']);
  });

  it('rejects forwards made after process() resolved, and forwards to unknown children', async () => {
    const late: unknown[] = [];
    const builder = newBuilder();
    builder
      .stream('in', { keySerde: S, valueSerde: S })
      .process((): Processor<string, string, string, string> => {
        let ctx: ProcessorContext<string, string>;
        return {
          init(context) {
            ctx = context;
          },
          process(record) {
            if (record.value === 'child') ctx.forward(record, 'no-such-child');
            else
              setTimeout(() => {
                try {
                  ctx.forward(record);
                } catch (error) {
                  late.push(error);
                }
              }, 0);
          },
        };
      })
      .to('out', { keySerde: S, valueSerde: S });
    const { task } = taskHarness(builder.build());
    await task.init();
    await task.process(input('in', 'k', 'v'));
    await new Promise((r) => setTimeout(r, 5));
    expect(String(late[0])).toMatch(/forwarded a record outside process\(\)\/a punctuator/);
    await expect(task.process(input('in', 'k', 'child'))).rejects.toMatchObject({
      cause: expect.any(TopologyError),
    });
  });

  it('exposes the record metadata of the record being processed', async () => {
    const seen: (RecordMetadata | null)[] = [];
    const builder = newBuilder();
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => {
      let ctx: ProcessorContext<never, never>;
      return {
        init(c: ProcessorContext<never, never>) {
          ctx = c;
        },
        process() {
          seen.push(ctx.recordMetadata());
        },
      };
    });
    const { task } = taskHarness(builder.build());
    await task.init();
    const record = input('in', 'k', 'v');
    await task.process(record);
    expect(seen).toEqual([{ topic: 'in', partition: 3, offset: record.offset }]);
  });
});

describe('TaskProcessor stores', () => {
  function storeTopology(logging = true) {
    const builder = newBuilder();
    const storeBuilder = memoryStoreBuilder('totals', S, Serdes.Long(), { logging });
    builder.addStateStore(storeBuilder);
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => {
      let store: KeyValueStore<string, number>;
      return {
        init(ctx: ProcessorContext<never, never>) {
          store = ctx.getStateStore('totals');
        },
        async process(record: StreamRecord<string, string>) {
          await store.put(record.key, ((await store.get(record.key)) ?? 0) + Number(record.value));
        },
      };
    }, 'totals');
    return { topology: builder.build(), storeBuilder };
  }

  it('inits stores with the task context and collects their changelog records', async () => {
    const { topology, storeBuilder } = storeTopology();
    const { task, changelog } = taskHarness(topology);
    await task.initStores();
    expect([...task.stores().keys()]).toEqual(['totals']);
    expect(task.changelogPartitions()).toEqual(
      new Map([['totals', { topic: 'app-totals-changelog', partition: 3 }]]),
    );
    await task.initProcessors();
    await task.process(input('in', 'a', '2'));
    await task.process(input('in', 'a', '3'));
    expect(
      changelog.map((r) => [r.storeName, r.topic, r.partition, r.key.toString(), r.value?.readBigInt64BE()]),
    ).toEqual([
      ['totals', 'app-totals-changelog', 3, 'a', 2n],
      ['totals', 'app-totals-changelog', 3, 'a', 5n],
    ]);
    const store = storeBuilder.built[0] as MemoryKeyValueStore<string, number>;
    await task.commitStores(new Map([['totals', 2n]]));
    expect(store.checkpointedOffset()).toBe(2n);
    await task.process(input('in', 'a', '100'));
    await task.abortStores();
    expect(await store.get('a')).toBe(5);
    await task.close();
    expect(store.isOpen()).toBe(false);
  });

  it('uses a custom changelog topic resolver, and none when logging is disabled', async () => {
    const logged = taskHarness(storeTopology().topology, { changelogTopic: (s) => `custom-${s}` });
    await logged.task.init();
    expect(logged.task.changelogPartitions().get('totals')?.topic).toBe('custom-totals');
    const unlogged = taskHarness(storeTopology(false).topology);
    await unlogged.task.init();
    await unlogged.task.process(input('in', 'a', '1'));
    expect(unlogged.task.changelogPartitions().size).toBe(0);
    expect(unlogged.changelog).toHaveLength(0);
  });

  it('refuses access to a store the processor is not connected to', async () => {
    const builder = newBuilder();
    builder.addStateStore(memoryStoreBuilder('private', S, S));
    builder.stream('in', { keySerde: S, valueSerde: S }).process(() => ({
      init(ctx: ProcessorContext<never, never>) {
        ctx.getStateStore('private');
      },
      process: () => undefined,
    }));
    builder
      .stream('other', { keySerde: S, valueSerde: S })
      .process(() => ({ process: () => undefined }), 'private');
    const { task } = taskHarness(builder.build());
    await expect(task.init()).rejects.toThrow(
      "Processor KSTREAM-PROCESSOR-0000000001 has no access to state store private: connect it (KStream.process(supplier, 'private'))",
    );
  });
});
