import { SerdeError } from '../../../engine-common/errors.ts';
import type { RecordContext } from '../../../topology/options.ts';
import type { Processor } from '../../../topology/processor.ts';
import type { RecordMetadata } from '../../../engine-common/record.ts';
import type { Serde } from '../../../engine-common/serde.ts';
import type { SinkNodeDef } from '../../../topology/internal.ts';
import type { RecordCollector } from '../record-collector.ts';
import { withActiveTraceContext } from '../../tracing/trace-context.ts';

/** Errors a sink raised while encoding, so the task dead-letters them with stage `serialize`. */
export const serializationFailures = new WeakSet<object>();

function encode(
  serde: Serde<unknown> | null,
  topic: string,
  data: unknown,
  what: string,
  sink: string,
): Buffer | null {
  if (data === null || data === undefined) return null;
  try {
    if (serde) return serde.serialize(topic, data);
    if (Buffer.isBuffer(data)) return data;
    throw new SerdeError(`no ${what} serde and the ${what} is not a Buffer`);
  } catch (cause) {
    const error = new SerdeError(
      `Sink ${sink} could not serialize the ${what} for topic ${topic}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
    serializationFailures.add(error);
    throw error;
  }
}

/** Serializes each record with the sink's serdes and hands it to the collector. */
export function sinkProcessor(
  def: SinkNodeDef,
  resolveTopic: (topic: string) => string,
  collector: RecordCollector,
  recordMetadata: () => RecordMetadata | null,
): Processor<unknown, unknown, never, never> {
  const fixedTopic = def.topic === null ? null : resolveTopic(def.topic);
  return {
    process(record) {
      let topic = fixedTopic;
      if (topic === null) {
        const meta = recordMetadata();
        const context: RecordContext = {
          topic: meta?.topic ?? null,
          partition: meta?.partition ?? null,
          offset: meta?.offset ?? null,
          timestamp: record.timestamp,
          headers: record.headers,
        };
        topic = (def.topicExtractor as NonNullable<SinkNodeDef['topicExtractor']>)(
          record.key,
          record.value,
          context,
        );
      }
      collector.send({
        topic,
        key: encode(def.keySerde, topic, record.key, 'key', def.name),
        value: encode(def.valueSerde, topic, record.value, 'value', def.name),
        timestamp: record.timestamp,
        headers: withActiveTraceContext(record.headers),
      });
    },
  };
}
