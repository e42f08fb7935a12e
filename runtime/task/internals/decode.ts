import { StreamRecord, ValidationError } from '../../../topology/index.ts';
import type { SourceNodeDef } from '../../../topology/internal.ts';
import type { DeadLetterStage } from '../dead-letter.ts';
import type { TaskInputRecord } from '../task-options.ts';
import type { AnyRecord } from './task-node.ts';

export type Decoded = { ok: true; record: AnyRecord } | { ok: false; stage: DeadLetterStage; error: unknown };

/**
 * Turns consumed bytes into a record with the source's serdes (none: the raw Buffer) and event
 * time. Failures are returned, not thrown: the task dead-letters them and continues.
 */
export function decode(source: SourceNodeDef, input: TaskInputRecord, streamTimeMs: number): Decoded {
  let key: unknown;
  let value: unknown;
  try {
    key =
      input.key === null || !source.keySerde
        ? input.key
        : source.keySerde.deserialize(input.topic, input.key);
    value =
      input.value === null || !source.valueSerde
        ? input.value
        : source.valueSerde.deserialize(input.topic, input.value);
  } catch (error) {
    return { ok: false, stage: 'deserialize', error };
  }
  let timestamp = input.timestamp;
  if (source.timestampExtractor) {
    try {
      timestamp = source.timestampExtractor({ ...input, key, value }, streamTimeMs);
    } catch (error) {
      return { ok: false, stage: 'timestamp', error };
    }
  }
  if (!Number.isFinite(timestamp) || timestamp < 0) {
    return {
      ok: false,
      stage: 'timestamp',
      error: new ValidationError(`Invalid record timestamp ${timestamp}`),
    };
  }
  return { ok: true, record: new StreamRecord(key, value, timestamp, input.headers) };
}
