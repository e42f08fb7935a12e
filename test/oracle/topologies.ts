/**
 * The oracle's reference topologies on our DSL: the same operators, in the same order, as
 * `Oracle.build` in test/oracle/java/src/main/java/oracle/Oracle.java builds them with Kafka
 * Streams' DSL (so generated names and `describe()` can be compared text for text). Keep the two
 * in step.
 */
import {
  EmitStrategy,
  JoinWindows,
  Serdes,
  SessionWindows,
  StreamsBuilder,
  TimeWindows,
  TopologyError,
  type DslStoreSuppliers,
  type KTable,
  type Topology,
  type Windowed,
} from '../../topology/index.ts';
import { TopologyTestDriver } from '../../testing/index.ts';

export interface OracleStep {
  readonly topic?: string;
  readonly key?: string;
  readonly value?: string | null;
  readonly timestamp?: number;
  readonly advanceWallClockMs?: number;
}

export interface OracleCase {
  readonly name: string;
  readonly topology: string;
  /** Output topic → value type (`string` or `long`); keys are strings. */
  readonly outputs: Readonly<Record<string, 'string' | 'long'>>;
  readonly steps: readonly OracleStep[];
}

export interface OracleRecord {
  readonly key: string | null;
  readonly value: string | number | null;
  readonly timestamp: number;
}

export interface OracleResult {
  readonly outputs: Record<string, OracleRecord[]>;
  readonly describe: string;
}

const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
const outString = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
const outLong = { keySerde: Serdes.String(), valueSerde: Serdes.Long() };
const show = (value: string | null): string => value ?? 'null';

function unwindow<V>(table: KTable<Windowed<string>, V>) {
  return table
    .toStream()
    .map((wk, v) => ({ key: `${wk.key}@${wk.window.start}/${wk.window.end}`, value: v }));
}

export function buildOracleTopology(name: string, dslStoreSuppliers?: DslStoreSuppliers): Topology {
  const b = new StreamsBuilder(dslStoreSuppliers ? { dslStoreSuppliers } : {});
  const joinWindows = JoinWindows.ofTimeDifferenceAndGrace(100, 50);
  const tumbling = TimeWindows.ofSizeAndGrace(100, 50);
  const hopping = TimeWindows.ofSizeAndGrace(100, 20).advanceBy(50);
  const sessions = SessionWindows.ofInactivityGapAndGrace(50, 20);
  switch (name) {
    case 'stream-table-join':
      b.stream('left', strings)
        .join(b.table('right', strings), (l, r) => `${l}+${r}`)
        .to('out', outString);
      break;
    case 'stream-table-left-join':
      b.stream('left', strings)
        .leftJoin(b.table('right', strings), (l, r) => `${l}+${show(r)}`)
        .to('out', outString);
      break;
    case 'table-table-join':
      b.table('left', strings)
        .join(b.table('right', strings), (l, r) => `${l}+${r}`)
        .toStream()
        .to('out', outString);
      break;
    case 'table-table-left-join':
      b.table('left', strings)
        .leftJoin(b.table('right', strings), (l, r) => `${l}+${show(r)}`)
        .toStream()
        .to('out', outString);
      break;
    case 'table-table-outer-join':
      b.table('left', strings)
        .outerJoin(b.table('right', strings), (l, r) => `${show(l)}+${show(r)}`)
        .toStream()
        .to('out', outString);
      break;
    case 'stream-stream-join':
      b.stream('left', strings)
        .join(b.stream('right', strings), (l, r) => `${l}+${r}`, joinWindows)
        .to('out', outString);
      break;
    case 'stream-stream-left-join':
      b.stream('left', strings)
        .leftJoin(b.stream('right', strings), (l, r) => `${l}+${show(r)}`, joinWindows)
        .to('out', outString);
      break;
    case 'stream-stream-outer-join':
      b.stream('left', strings)
        .outerJoin(b.stream('right', strings), (l, r) => `${show(l)}+${show(r)}`, joinWindows)
        .to('out', outString);
      break;
    case 'tumbling-count':
      unwindow(b.stream('input', strings).groupByKey().windowedBy(tumbling).count()).to('out', outLong);
      break;
    case 'tumbling-count-on-close':
      unwindow(
        b
          .stream('input', strings)
          .groupByKey()
          .windowedBy(tumbling)
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ).to('out', outLong);
      break;
    case 'hopping-count':
      unwindow(b.stream('input', strings).groupByKey().windowedBy(hopping).count()).to('out', outLong);
      break;
    case 'hopping-count-on-close':
      unwindow(
        b
          .stream('input', strings)
          .groupByKey()
          .windowedBy(hopping)
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ).to('out', outLong);
      break;
    case 'session-count':
      unwindow(b.stream('input', strings).groupByKey().windowedBy(sessions).count()).to('out', outLong);
      break;
    case 'session-count-on-close':
      unwindow(
        b
          .stream('input', strings)
          .groupByKey()
          .windowedBy(sessions)
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(),
      ).to('out', outLong);
      break;
    case 'stream-group-by-count':
      b.stream('input', strings)
        .groupBy((_k, v) => v, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
        .count()
        .toStream()
        .to('out', outLong);
      break;
    case 'select-key-stream-table-join':
      b.stream('left', strings)
        .selectKey((_k, v) => v)
        .join(b.table('right', strings), (l, r) => `${l}+${r}`)
        .to('out', outString);
      break;
    case 'select-key-stream-stream-join':
      b.stream('left', strings)
        .selectKey((_k, v) => v)
        .join(
          b.stream('right', strings).selectKey((_k, v) => v),
          (l, r) => `${l}+${r}`,
          joinWindows,
          { keySerde: Serdes.String(), valueSerde: Serdes.String(), otherValueSerde: Serdes.String() },
        )
        .to('out', outString);
      break;
    case 'named-select-key-stream-stream-left-join':
      b.stream('left', strings)
        .selectKey((_k, v) => v)
        .leftJoin(b.stream('right', strings), (l, r) => `${l}+${show(r)}`, joinWindows, {
          keySerde: Serdes.String(),
          valueSerde: Serdes.String(),
          otherValueSerde: Serdes.String(),
          name: 'ss',
        })
        .to('out', outString);
      break;
    case 'named-select-key-stream-stream-outer-join':
      b.stream('left', strings)
        .selectKey((_k, v) => v)
        .outerJoin(b.stream('right', strings), (l, r) => `${show(l)}+${show(r)}`, joinWindows, {
          keySerde: Serdes.String(),
          valueSerde: Serdes.String(),
          otherValueSerde: Serdes.String(),
          name: 'oj',
        })
        .to('out', outString);
      break;
    default:
      throw new TopologyError(`Unknown oracle topology ${name}`);
  }
  return b.build();
}

/** Runs one case on our TopologyTestDriver, exactly as Oracle.run does on Kafka Streams'. */
export async function runOracleCase(
  c: OracleCase,
  dslStoreSuppliers?: DslStoreSuppliers,
): Promise<OracleResult> {
  const topology = buildOracleTopology(c.topology, dslStoreSuppliers);
  const driver = new TopologyTestDriver(topology, { applicationId: 'oracle', initialWallClockMs: 0 });
  try {
    const outputs = Object.entries(c.outputs).map(([topic, type]) => ({
      topic,
      reader: driver.createOutputTopic<string, string | number>(
        topic,
        Serdes.String(),
        type === 'long' ? Serdes.Long() : Serdes.String(),
      ),
    }));
    for (const step of c.steps) {
      if (step.advanceWallClockMs !== undefined) {
        await driver.advanceWallClockTime(step.advanceWallClockMs);
        continue;
      }
      const input = driver.createInputTopic(step.topic as string, Serdes.String(), Serdes.String());
      await input.pipeInput(step.key ?? null, step.value ?? null, step.timestamp);
    }
    const result: Record<string, OracleRecord[]> = {};
    for (const { topic, reader } of outputs) {
      result[topic] = reader
        .readRecordsToList()
        .map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }));
    }
    return { outputs: result, describe: topology.describe().toString() };
  } finally {
    await driver.close();
  }
}
