import avro from 'avsc';
import { ConfigError, ErrorCodes, SerdeError, StreamsError } from '../topology/index.ts';
import { schemaCatalog } from './catalog.ts';
import { getSync } from './registry-sync-fetch.ts';
import type { CompatibilityLevel } from './subjects.ts';

/**
 * Where schema ids come from. Subjects are `<event>-value` (subjects.ts says why).
 * Lookups by id are synchronous (serdes are), so an implementation keeps what it has seen.
 */
export interface SchemaRegistry {
  /** The id under which `schema` is registered for `subject` (registering it when needed and allowed). */
  register(subject: string, schema: avro.Schema): Promise<number>;
  /** False when schemas must have been registered by a deploy step: the pipeline only looks them up. */
  readonly autoRegister?: boolean;
  /** A schema previously registered or fetched; undefined when unknown. */
  typeById(id: number): avro.Type | undefined;
  /** Loads a schema by id into the cache (for ids written by other producers). */
  fetch(id: number): Promise<avro.Type>;
  /** Sets a subject's compatibility level before its first registration (registries that have levels). */
  setCompatibility?(subject: string, level: CompatibilityLevel): Promise<void>;
  /** Caches every version registered under a subject (registries that are shared with other producers). */
  preload?(subject: string): Promise<void>;
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

export interface HttpSchemaRegistryOptions {
  /**
   * Default true: `register` registers a new schema (development, CI). False (production,
   * SCHEMA_REGISTRY_AUTO_REGISTER=false): `register` only looks the schema up and fails when the
   * deploy step (`npm run schemas:check -- --register`) has not registered it, so a running
   * service never changes the registry and a schema the registry would refuse stops the deploy.
   */
  readonly autoRegister?: boolean;
  /** Attempts for a request the registry could not answer (unreachable, 5xx) before giving up. */
  readonly attempts?: number;
  /** First pause between attempts; it doubles each time (0.5 s, 1 s, 2 s, … by default). */
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** Versions registered under the subject before this check (0: a new subject). */
  readonly registeredVersions: number;
  /** The registry's reasons when incompatible. */
  readonly reasons: readonly string[];
}

const CONFLUENT_JSON = 'application/vnd.schemaregistry.v1+json';
const MISS_TTL_MS = 60_000;
const UNREACHABLE_TTL_MS = 5_000;

/**
 * A Confluent-compatible registry over HTTP (`SCHEMA_REGISTRY_URL`), e.g. Apicurio's ccompat API
 * (`http://127.0.0.1:18081/apis/ccompat/v7` in the stack). Requests the registry cannot answer are
 * retried with exponential backoff, then fail with a SchemaRegistryError naming the URL: a
 * pipeline configured with a registry never falls back to local ids.
 */
export class HttpSchemaRegistry implements SchemaRegistry {
  readonly url: string;
  readonly autoRegister: boolean;
  private readonly byId = new Map<number, avro.Type>();
  /** Ids the registry said it does not know, with when: a flood of bad records asks once a minute. */
  private readonly misses = new Map<number, number>();
  private unreachable: { at: number; error: SerdeError } | undefined;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(url: string, options: HttpSchemaRegistryOptions = {}) {
    this.url = url.replace(/\/$/, '');
    this.autoRegister = options.autoRegister ?? true;
    // Eight attempts from 0.5 s: about a minute of backoff, long enough for a registry started beside us.
    this.attempts = options.attempts ?? 8;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async register(subject: string, schema: avro.Schema): Promise<number> {
    if (!this.autoRegister) return this.lookup(subject, schema);
    const { id } = await this.json<{ id: number }>(
      `/subjects/${encodeURIComponent(subject)}/versions`,
      { method: 'POST', body: JSON.stringify({ schema: JSON.stringify(schema) }) },
      `Registering ${subject}`,
    );
    this.byId.set(id, avro.Type.forSchema(schema, { wrapUnions: false }));
    return id;
  }

  /** The id of `schema` under `subject` without registering it (Confluent's POST /subjects/{subject}). */
  async lookup(subject: string, schema: avro.Schema): Promise<number> {
    const response = await this.request(`/subjects/${encodeURIComponent(subject)}`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    if (response.status === 404)
      throw new SchemaRegistryError(
        `${subject}: the schema is not registered in ${this.url} and auto-registration is off ` +
          '(SCHEMA_REGISTRY_AUTO_REGISTER=false); register it with npm run schemas:check -- --register',
        404,
      );
    if (!response.ok) throw await registryError(`Looking up ${subject}`, response);
    const { id } = (await response.json()) as { id: number };
    this.byId.set(id, avro.Type.forSchema(schema, { wrapUnions: false }));
    return id;
  }

  /**
   * A schema by id; an id not seen yet is fetched from the registry synchronously (once; an id the
   * registry does not know is asked again only after a minute), so records that another producer
   * wrote with a version registered after we started decode instead of being dead-lettered.
   */
  typeById(id: number): avro.Type | undefined {
    const known = this.byId.get(id);
    if (known) return known;
    const missedAt = this.misses.get(id);
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return undefined;
    // While the registry is unreachable, records with new ids fail fast instead of each waiting on it.
    if (this.unreachable && Date.now() - this.unreachable.at < UNREACHABLE_TTL_MS)
      throw this.unreachable.error;
    let body: string | undefined;
    try {
      body = getSync(`${this.url}/schemas/ids/${id}`, this.timeoutMs);
    } catch (cause) {
      const error = new SerdeError(
        `schema id ${id}: the registry could not be asked (${(cause as Error).message})`,
        { cause },
      );
      this.unreachable = { at: Date.now(), error };
      throw error;
    }
    if (body === undefined) {
      this.misses.set(id, Date.now());
      return undefined;
    }
    const { schema } = JSON.parse(body) as { schema: string };
    const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { wrapUnions: false });
    this.byId.set(id, type);
    return type;
  }

  async fetch(id: number): Promise<avro.Type> {
    const known = this.byId.get(id);
    if (known) return known;
    const { schema } = await this.json<{ schema: string }>(`/schemas/ids/${id}`, {}, `Schema id ${id}`);
    const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { wrapUnions: false });
    this.byId.set(id, type);
    return type;
  }

  /** Loads every version registered under `subject`, so records other producers wrote with them decode. */
  async preload(subject: string): Promise<void> {
    for (const version of await this.versions(subject)) {
      const { id, schema } = await this.json<{ id: number; schema: string }>(
        `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
        {},
        `${subject} version ${version}`,
      );
      if (!this.byId.has(id))
        this.byId.set(id, avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { wrapUnions: false }));
    }
  }

  /** Registered versions of a subject, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<number[]> {
    const response = await this.request(`/subjects/${encodeURIComponent(subject)}/versions`, {});
    if (response.status === 404) return [];
    if (!response.ok) throw await registryError(`Versions of ${subject}`, response);
    return (await response.json()) as number[];
  }

  /** Sets the subject's compatibility level (the registry then rejects registrations that break it). */
  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.json(
      `/config/${encodeURIComponent(subject)}`,
      { method: 'PUT', body: JSON.stringify({ compatibility: level }) },
      `Setting ${subject} to ${level}`,
    );
  }

  async compatibility(subject: string): Promise<string | undefined> {
    const response = await this.request(`/config/${encodeURIComponent(subject)}`, {});
    if (response.status === 404) return undefined;
    if (!response.ok) throw await registryError(`Compatibility of ${subject}`, response);
    return ((await response.json()) as { compatibilityLevel?: string }).compatibilityLevel;
  }

  /**
   * Asks the registry whether `schema` may be registered under `subject` (against every version its
   * level says), without registering it. Confluent returns the reasons with `verbose=true`;
   * Apicurio's ccompat API does not, so they are taken from its native API's dry run.
   */
  async checkCompatibility(subject: string, schema: avro.Schema): Promise<CompatibilityResult> {
    const registeredVersions = (await this.versions(subject)).length;
    if (registeredVersions === 0) return { compatible: true, registeredVersions, reasons: [] };
    const verdict = await this.json<{ is_compatible: boolean; messages?: string[] }>(
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions?verbose=true`,
      { method: 'POST', body: JSON.stringify({ schema: JSON.stringify(schema) }) },
      `Checking ${subject}`,
    );
    if (verdict.is_compatible) return { compatible: true, registeredVersions, reasons: [] };
    const reasons = verdict.messages?.length ? verdict.messages : await this.apicurioReasons(subject, schema);
    return { compatible: false, registeredVersions, reasons };
  }

  private async apicurioReasons(subject: string, schema: avro.Schema): Promise<string[]> {
    const native = /\/apis\/ccompat\/v\d+$/.test(this.url)
      ? this.url.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v3')
      : undefined;
    if (!native) return ['the registry gave no reason'];
    const response = await fetch(
      `${native}/groups/default/artifacts/${encodeURIComponent(subject)}/versions?dryRun=true`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          content: { content: JSON.stringify(schema), contentType: 'application/json' },
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      },
    ).catch(() => undefined);
    if (!response || response.ok) return ['the registry gave no reason'];
    const body = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    return [body.detail ?? body.title ?? `HTTP ${response.status}`];
  }

  private async json<T>(path: string, init: RequestInit, what: string): Promise<T> {
    const response = await this.request(path, init);
    if (!response.ok) throw await registryError(what, response);
    return (await response.json()) as T;
  }

  /** One request, retried with exponential backoff while the registry is unreachable or answers 5xx. */
  private async request(path: string, init: RequestInit): Promise<Response> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 2)));
      try {
        const response = await fetch(`${this.url}${path}`, {
          ...init,
          headers: { 'content-type': CONFLUENT_JSON, accept: CONFLUENT_JSON },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (response.status < 500) return response;
        lastProblem = `HTTP ${response.status} ${await response.text()}`;
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause;
        lastProblem = cause?.message ?? (error as Error).message;
      }
    }
    throw new SchemaRegistryError(
      `Schema registry ${this.url} did not answer ${path} after ${this.attempts} attempts: ${lastProblem}`,
    );
  }
}

async function registryError(what: string, response: Response): Promise<SchemaRegistryError> {
  const text = await response.text();
  let message = text;
  try {
    message = ((JSON.parse(text) as { message?: string }).message ?? text).trim();
  } catch {
    // Not JSON: the text itself is the reason.
  }
  return new SchemaRegistryError(`${what} failed: HTTP ${response.status} ${message}`, response.status);
}

/** The registry refused a request or could not be reached; `status` is the HTTP status when it answered. */
export class SchemaRegistryError extends StreamsError {
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(ErrorCodes.SERDE, message);
    this.name = 'SchemaRegistryError';
    this.status = status;
  }
}

/**
 * SCHEMA_REGISTRY_URL set: the HTTP registry (never a fallback to local ids), registering schemas
 * unless SCHEMA_REGISTRY_AUTO_REGISTER=false. Unset: stable local ids.
 */
export function registryFromEnvironment(env: NodeJS.ProcessEnv = process.env): SchemaRegistry {
  const url = env.SCHEMA_REGISTRY_URL;
  if (!url) return new LocalSchemaRegistry();
  const auto = env.SCHEMA_REGISTRY_AUTO_REGISTER ?? 'true';
  if (auto !== 'true' && auto !== 'false')
    throw new ConfigError('SCHEMA_REGISTRY_AUTO_REGISTER', auto, 'true or false');
  return new HttpSchemaRegistry(url, { autoRegister: auto === 'true' });
}
