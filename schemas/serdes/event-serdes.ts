import type avro from 'avsc';
import { SerdeError, ValidationError, type Serde } from '../../topology/index.ts';
import { latestSchema } from '../catalog.ts';
import type { SchemaRegistry } from '../registry.ts';
import { applyRules } from '../rules.ts';
import type { EventName, EventTypes } from '../types.ts';
import { assertValid, ignoredFields, normalize } from './validate.ts';

const MAGIC_BYTE = 0;

/** JSON text validated against the event's Avro schema and the domain rules. */
export function jsonEventSerde<E extends EventName>(event: E): Serde<EventTypes[E]> {
  const { type } = latestSchema(event);
  return {
    serialize: (_topic, value) => Buffer.from(JSON.stringify(value), 'utf8'),
    deserialize: (topic, data) => decodeJson(event, type, topic, data),
  };
}

function decodeJson<E extends EventName>(
  event: E,
  type: avro.Type,
  topic: string,
  data: Buffer,
): EventTypes[E] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (cause) {
    throw new SerdeError(`${topic}: not JSON (${(cause as Error).message})`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError(`${topic}: expected a JSON object for ${event}`);
  }
  const value = normalize(type, parsed);
  assertValid(type, value, `${topic} ${event}`);
  applyRules(event, value as EventTypes[E], `${topic} ${event}`);
  return value as EventTypes[E];
}

/** Paths of the fields of a parsed JSON value that the event's schema does not know (they are dropped). */
export function ignoredEventFields(event: EventName, value: unknown): string[] {
  return ignoredFields(latestSchema(event).type, value);
}

/**
 * Avro binary in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, body.
 * Reads resolve the writer's schema (by id) to the newest reader schema, so old data stays readable.
 */
export function avroEventSerde<E extends EventName>(
  event: E,
  registry: SchemaRegistry,
  writerId: number,
): Serde<EventTypes[E]> {
  const { type } = latestSchema(event);
  return {
    serialize: (_topic, value) => {
      const header = Buffer.alloc(5);
      header.writeUInt8(MAGIC_BYTE, 0);
      header.writeInt32BE(writerId, 1);
      return Buffer.concat([header, type.toBuffer(value)]);
    },
    deserialize: (topic, data) => decodeAvro(event, type, registry, topic, data),
  };
}

function decodeAvro<E extends EventName>(
  event: E,
  reader: avro.Type,
  registry: SchemaRegistry,
  topic: string,
  data: Buffer,
): EventTypes[E] {
  if (data.length < 5 || data.readUInt8(0) !== MAGIC_BYTE)
    throw new SerdeError(`${topic}: not the Confluent Avro wire format`);
  const id = data.readInt32BE(1);
  const writer = registry.typeById(id);
  if (!writer) throw new SerdeError(`${topic}: unknown schema id ${id}`);
  try {
    const value = writer.equals(reader)
      ? reader.fromBuffer(data.subarray(5))
      : reader.fromBuffer(data.subarray(5), reader.createResolver(writer));
    applyRules(event, value as EventTypes[E], `${topic} ${event}`);
    return value as EventTypes[E];
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw new SerdeError(
      `${topic}: Avro body does not decode with schema id ${id}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** For input topics: JSON (first non-blank byte `{`) or Confluent-wire Avro (first byte 0), validated alike. */
export function inputEventSerde<E extends EventName>(
  event: E,
  registry: SchemaRegistry,
  writerId: number,
): Serde<EventTypes[E]> {
  const json = jsonEventSerde(event);
  const avroSerde = avroEventSerde(event, registry, writerId);
  return {
    serialize: json.serialize,
    deserialize: (topic, data) => {
      if (data.length > 0 && data[0] === MAGIC_BYTE) return avroSerde.deserialize(topic, data);
      const first = data.toString('utf8').trimStart()[0];
      if (first === '{') return json.deserialize(topic, data);
      throw new SerdeError(`${topic}: neither a JSON object nor Confluent-wire Avro`);
    },
  };
}
