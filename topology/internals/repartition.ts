import type { Serde } from '../../engine-common/serde.ts';
import type { DslContext } from './dsl-context.ts';
import { passThroughProcessor } from './operators/stateless.ts';
import { repartitionTopicName } from './topic-names.ts';

/** Kafka Streams' prefixes for generated names (KStreamImpl, KTableImpl, KGroupedStreamImpl). */
export const NamePrefix = {
  SOURCE: 'KSTREAM-SOURCE-',
  SINK: 'KSTREAM-SINK-',
  FILTER: 'KSTREAM-FILTER-',
  MAP: 'KSTREAM-MAP-',
  MAPVALUES: 'KSTREAM-MAPVALUES-',
  FLATMAP: 'KSTREAM-FLATMAP-',
  FLATMAPVALUES: 'KSTREAM-FLATMAPVALUES-',
  KEY_SELECT: 'KSTREAM-KEY-SELECT-',
  PEEK: 'KSTREAM-PEEK-',
  FOREACH: 'KSTREAM-FOREACH-',
  BRANCH: 'KSTREAM-BRANCH-',
  MERGE: 'KSTREAM-MERGE-',
  PROCESSOR: 'KSTREAM-PROCESSOR-',
  REPARTITION: 'KSTREAM-REPARTITION-',
  AGGREGATE: 'KSTREAM-AGGREGATE-',
  JOIN: 'KSTREAM-JOIN-',
  LEFTJOIN: 'KSTREAM-LEFTJOIN-',
  JOINTHIS: 'KSTREAM-JOINTHIS-',
  JOINOTHER: 'KSTREAM-JOINOTHER-',
  OUTERTHIS: 'KSTREAM-OUTERTHIS-',
  OUTEROTHER: 'KSTREAM-OUTEROTHER-',
  WINDOWED: 'KSTREAM-WINDOWED-',
  OUTERSHARED: 'KSTREAM-OUTERSHARED-',
  REDUCE: 'KSTREAM-REDUCE-',
  KTABLE_SOURCE: 'KTABLE-SOURCE-',
  KTABLE_FILTER: 'KTABLE-FILTER-',
  KTABLE_MAPVALUES: 'KTABLE-MAPVALUES-',
  KTABLE_TOSTREAM: 'KTABLE-TOSTREAM-',
  KTABLE_JOINTHIS: 'KTABLE-JOINTHIS-',
  KTABLE_JOINOTHER: 'KTABLE-JOINOTHER-',
  KTABLE_MERGE: 'KTABLE-MERGE-',
} as const;

/** `named` if given, else a generated `<prefix><index>`. */
export function nameOrGenerate(ctx: DslContext, named: string | undefined, prefix: string): string {
  return named ?? ctx.graph.newProcessorName(prefix);
}

const GENERATED_NAME = /^KSTREAM.*-[0-9]{10}$/;

/**
 * Adds `parent → filter → sink → (topic) → source` and returns the source's name, exactly as Kafka
 * Streams' `createRepartitionedSource` names things: generated names when the topic prefix is itself
 * generated, `<topic>-sink` / `-filter` / `-source` when the user named it. The filter passes every
 * record (Kafka Streams keeps it for name compatibility).
 */
export function addRepartition<K, V>(
  ctx: DslContext,
  options: {
    readonly prefix: string;
    readonly parent: string;
    readonly keySerde: Serde<K>;
    readonly valueSerde: Serde<V>;
    readonly partitions: number | null;
  },
): { sourceName: string; topic: string } {
  const topic = repartitionTopicName(options.prefix);
  // Always generate the names, to burn the index counter like Kafka Streams does.
  const genSink = ctx.graph.newProcessorName(NamePrefix.SINK);
  const genFilter = ctx.graph.newProcessorName(NamePrefix.FILTER);
  const genSource = ctx.graph.newProcessorName(NamePrefix.SOURCE);
  const generated = GENERATED_NAME.test(options.prefix);
  const sinkName = generated ? genSink : `${topic}-sink`;
  const filterName = generated ? genFilter : `${topic}-filter`;
  const sourceName = generated ? genSource : `${topic}-source`;

  ctx.graph.addRepartitionTopic(topic, options.partitions);
  ctx.graph.addProcessor(filterName, passThroughProcessor<K, V>(), [options.parent]);
  ctx.graph.addSink({
    name: sinkName,
    topic,
    keySerde: options.keySerde as Serde<unknown>,
    valueSerde: options.valueSerde as Serde<unknown>,
    predecessors: [filterName],
  });
  ctx.graph.addSource({
    name: sourceName,
    topics: [topic],
    keySerde: options.keySerde as Serde<unknown>,
    valueSerde: options.valueSerde as Serde<unknown>,
  });
  return { sourceName, topic };
}
