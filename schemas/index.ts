/**
 * The events of the pipeline: Avro schemas (schemas/avro/<event>/v<N>.avsc), their TypeScript
 * types and serdes (validated JSON, Confluent-wire Avro, and an input serde accepting both).
 */
import type { Serde } from '../topology/index.ts';
import { schemaCatalog, latestSchema } from './catalog.ts';
import { LocalSchemaRegistry, type SchemaRegistry } from './registry.ts';
import { avroEventSerde, inputEventSerde, jsonEventSerde } from './serdes/event-serdes.ts';
import { compatibilityOf, subjectOf } from './subjects.ts';
import type { EventName, EventTypes } from './types.ts';

export * from './types.ts';
export { schemaCatalog, latestSchema, loadSchemaCatalog, type SchemaVersion } from './catalog.ts';
export {
  LocalSchemaRegistry,
  HttpSchemaRegistry,
  registryFromEnvironment,
  SchemaRegistryError,
  type CompatibilityResult,
  type HttpSchemaRegistryOptions,
  type SchemaRegistry,
} from './registry.ts';
export { subjectOf, compatibilityOf, OUTPUT_EVENTS, type CompatibilityLevel } from './subjects.ts';
export {
  jsonEventSerde,
  avroEventSerde,
  inputEventSerde,
  ignoredEventFields,
} from './serdes/event-serdes.ts';
export { FieldValidationError, type FieldProblem } from './field-errors.ts';
export { ORDER_LIMITS, identifierProblem, orderProblems } from './order-rules.ts';
export { orderFingerprint } from './order-fingerprint.ts';
export { ISO_4217_CODES, isIso4217Code } from './iso-4217.ts';
export { checkBackwardCompatibility, type CompatibilityProblem } from './compatibility.ts';

export type EventFormat = 'json' | 'avro';

/** One serde per event for a pipeline: `avro` for internal topics, `json` or `avro` for outputs, `input` for inputs. */
export interface EventSerdes {
  json<E extends EventName>(event: E): Serde<EventTypes[E]>;
  avro<E extends EventName>(event: E): Serde<EventTypes[E]>;
  input<E extends EventName>(event: E): Serde<EventTypes[E]>;
  output<E extends EventName>(event: E): Serde<EventTypes[E]>;
  /**
   * Which event a Confluent-wire Avro record carries (by its writer schema's record name), for
   * topics that carry several (`notifications`); null for JSON or an unknown schema id.
   */
  avroEventOf(data: Buffer): EventName | null;
}

/**
 * Registers (or looks up) the newest schema of every event under its `<event>-value` subject, with
 * the subject's compatibility level set first (a registry then refuses an incompatible schema and
 * start-up fails with its reason), and caches the subject's other versions so records written with
 * them decode. With the local registry ids are stable and need no server.
 */
export async function createEventSerdes(options: {
  outputFormat: EventFormat;
  registry?: SchemaRegistry;
}): Promise<EventSerdes> {
  const registry: SchemaRegistry = options.registry ?? new LocalSchemaRegistry();
  const ids = new Map<EventName, number>();
  for (const event of schemaCatalog().keys()) {
    const subject = subjectOf(event);
    // With auto-registration off the deploy step has set the levels: a service changes nothing.
    if (registry.autoRegister !== false) await registry.setCompatibility?.(subject, compatibilityOf(event));
    ids.set(event, await registry.register(subject, latestSchema(event).schema));
    await registry.preload?.(subject);
  }
  const idOf = (event: EventName): number => ids.get(event) as number;
  const eventByRecordName = new Map<string, EventName>();
  for (const event of schemaCatalog().keys()) {
    const { name, namespace } = latestSchema(event).schema as { name?: string; namespace?: string };
    if (name) eventByRecordName.set(namespace ? `${namespace}.${name}` : name, event);
  }
  const serdes: EventSerdes = {
    json: (event) => jsonEventSerde(event),
    avro: (event) => avroEventSerde(event, registry, idOf(event)),
    input: (event) => inputEventSerde(event, registry, idOf(event)),
    output: (event) => (options.outputFormat === 'avro' ? serdes.avro(event) : serdes.json(event)),
    avroEventOf: (data) => {
      if (data.length < 5 || data[0] !== 0) return null;
      const name = registry.typeById(data.readInt32BE(1))?.name;
      return name ? (eventByRecordName.get(name) ?? null) : null;
    },
  };
  return serdes;
}
