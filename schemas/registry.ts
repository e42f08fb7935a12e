import avro from 'avsc';
import { SerdeError } from '../topology/errors.ts';
import { schemaCatalog } from './catalog.ts';

/**
 * Where schema ids come from. Subjects follow Confluent's TopicNameStrategy (`<topic>-value`).
 * Lookups by id are synchronous (serdes are), so an implementation keeps what it has seen.
 */
export interface SchemaRegistry {
  /** The id under which `schema` is registered for `subject` (registering it when needed). */
  register(subject: string, schema: avro.Schema): Promise<number>;
  /** A schema previously registered or fetched; undefined when unknown. */
  typeById(id: number): avro.Type | undefined;
  /** Loads a schema by id into the cache (for ids written by other producers). */
  fetch(id: number): Promise<avro.Type>;
}

/**
 * Ids without a registry server: stable across runs and machines because they derive from the
 * schema catalog (event index × 100 + version), never from registration order.
 */
export class LocalSchemaRegistry implements SchemaRegistry {
  private readonly byId = new Map<number, avro.Type>();
  private readonly idByFingerprint = new Map<string, number>();

  constructor() {
    [...schemaCatalog().values()].forEach((versions, index) => {
      for (const version of versions) {
        const id = (index + 1) * 100 + version.version;
        this.byId.set(id, version.type);
        this.idByFingerprint.set(version.type.fingerprint('sha256').toString('hex'), id);
      }
    });
  }

  async register(_subject: string, schema: avro.Schema): Promise<number> {
    return this.idFor(schema);
  }

  idFor(schema: avro.Schema): number {
    const fingerprint = avro.Type.forSchema(schema, { wrapUnions: false })
      .fingerprint('sha256')
      .toString('hex');
    const id = this.idByFingerprint.get(fingerprint);
    if (id === undefined)
      throw new SerdeError('Schema is not in the local catalog (schemas/avro/); add it there');
    return id;
  }

  typeById(id: number): avro.Type | undefined {
    return this.byId.get(id);
  }

  async fetch(id: number): Promise<avro.Type> {
    const type = this.byId.get(id);
    if (!type) throw new SerdeError(`Unknown schema id ${id} in the local registry`);
    return type;
  }
}

/** A Confluent-compatible registry over HTTP (`SCHEMA_REGISTRY_URL`), e.g. Apicurio's ccompat API. */
export class HttpSchemaRegistry implements SchemaRegistry {
  private readonly url: string;
  private readonly byId = new Map<number, avro.Type>();

  constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  async register(subject: string, schema: avro.Schema): Promise<number> {
    const response = await fetch(`${this.url}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new SerdeError(`Registering ${subject} failed: HTTP ${response.status} ${await response.text()}`);
    const { id } = (await response.json()) as { id: number };
    this.byId.set(id, avro.Type.forSchema(schema, { wrapUnions: false }));
    return id;
  }

  typeById(id: number): avro.Type | undefined {
    return this.byId.get(id);
  }

  async fetch(id: number): Promise<avro.Type> {
    const known = this.byId.get(id);
    if (known) return known;
    const response = await fetch(`${this.url}/schemas/ids/${id}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new SerdeError(`Schema id ${id}: HTTP ${response.status}`);
    const { schema } = (await response.json()) as { schema: string };
    const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { wrapUnions: false });
    this.byId.set(id, type);
    return type;
  }
}

export function registryFromEnvironment(): SchemaRegistry {
  const url = process.env.SCHEMA_REGISTRY_URL;
  return url ? new HttpSchemaRegistry(url) : new LocalSchemaRegistry();
}
