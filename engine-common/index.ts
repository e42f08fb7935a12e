/**
 * The engine's ground floor: what every engine folder shares (the errors, serdes, record and
 * headers types, the windowed key) and that imports no other engine folder, so `state-stores/`,
 * `topology/`, `runtime/` and `testing/` all stand on it and none has to import another to get
 * them. Kafka keeps the same things in `org.apache.kafka.common` (errors, serialization, header).
 *
 * Named `engine-common/` rather than `common/`: the repository root also holds the domain
 * (`app/`, `processors/`, `connectors/`, `schemas/`) and the tooling (`stack/`, `bench/`), and a bare
 * `common/` there would read as shared by all of them; this folder is the engine's, and the domain
 * sees its names through `topology/index.ts`, as before.
 */
export * from './errors.ts';
export { Serdes, type Serde } from './serde.ts';
export { StreamRecord, type Headers, type RecordMetadata } from './record.ts';
export type { Window, Windowed } from './windowed.ts';
