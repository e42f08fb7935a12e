import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../topology/index.ts';
import type { KafkaSecurity } from '../runtime/index.ts';
import { kafkaSecurityFromEnv, valueOrFile, type ReadSecretFile } from './kafka-security-config.ts';
import type { OrderStatus } from '../schemas/index.ts';
import { ALL_SAGA_PARTS, type SagaPart } from './saga-topology.ts';

/** Every setting of the pipeline service, from the environment (PIPELINE_SETTINGS below: variables, defaults, why). */
export interface PipelineConfig {
  bootstrapServers: string[];
  /**
   * TLS and SASL towards the brokers (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*); null is
   * PLAINTEXT. Every service of this process connects as this one principal.
   */
  security: KafkaSecurity | null;
  applicationId: string;
  instanceId: string;
  topicPrefix: string;
  /** Partitions of the topics the app creates; inputs that exist must all have this many (co-partitioning). */
  partitions: number;
  /**
   * Copies of every topic the app creates, internal ones included (1 on the single-broker stack,
   * 3 on `stack:up -- --brokers 3`). Above 1 the topics also get min.insync.replicas = min(2, RF).
   */
  replicationFactor: number;
  stateDir: string;
  storeType: 'rocksDB' | 'in_memory';
  /** Record cache per store and task (hot SKUs and orders read from memory); 0 (default) turns it off. */
  storeCacheMaxBytes: number;
  /** Warm copies of each task's stores on other instances (Kafka Streams' num.standby.replicas). */
  numStandbyReplicas: number;
  outputFormat: 'json' | 'avro';
  httpHost: string;
  httpPort: number;
  /**
   * `host:port` other instances use to reach this one's order API (Kafka Streams'
   * `application.server`): queries for keys this instance owns are forwarded here.
   */
  applicationServer: string;
  /**
   * ORDER_API_KEY (or ORDER_API_KEY_FILE): when set, POST /orders needs it as
   * `Authorization: Bearer <key>` or `x-api-key`; reads, health and metrics stay open. Null: no key.
   */
  orderApiKey: string | null;
  paymentGatewayUrl: string;
  paymentMaxAttempts: number;
  /** Calls to the gateway, SMTP, SMS and webhooks each payment or notification task keeps out at once. */
  outboundMaxInFlight: number;
  /** How often answered third-party calls are applied (and committed) while calls are out. */
  outboundCheckIntervalMs: number;
  /** Long enough for the payment retries to finish (≈ 6 attempts of backoff up to 2 s), short enough to free stock. */
  reservationTimeoutMs: number;
  smtp: { host: string; port: number; from: string } | null;
  sms: { providerUrl: string; apiKey: string; from: string } | null;
  webhook: { url: string; secret: string } | null;
  /** PostgreSQL read model of order-status; off when unset. */
  databaseUrl: string | null;
  notifyOn: OrderStatus[];
  /**
   * Saga services this process runs (each its own StreamsApp, consumer group and producer), so each
   * can be deployed and scaled on its own. Order and stock queries need `core` here or, through
   * forwarding, on the owning instance: an instance without it answers them 503.
   */
  services: SagaPart[];
  /**
   * Processes running the saga's core (Kafka Streams' num.stream.threads: one Node event loop
   * uses one core). This one runs every service; the others only `core`, as members of its group.
   */
  streamProcesses: number;
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 1): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(key, raw, `an integer >= ${min}`);
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key] ?? fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(key, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
}

/** One environment variable as the docs and `--help` show it. */
export interface EnvVar {
  readonly name: string;
  /** What it takes, e.g. `integer >= 1`, `json, avro`, `URL`. */
  readonly type: string;
  /** The default as shown; '' when unset means off or empty. */
  readonly default: string;
  /** One line: what it does and why it is set (or defaults) so. */
  readonly description: string;
}

export const SETTING_GROUPS = [
  'Kafka',
  'Kafka security',
  'Application and state',
  'Order API',
  'Payment and reservations',
  'Notifications',
  'Read model',
  'Scaling',
  'Schemas, logs and tracing',
] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

/**
 * One setting: the variables it reads (all documented) and how it parses them. Declared once here,
 * the parser below, `node app/main.ts --help` and docs/operations.md (`npm run docs:config`) all
 * come from it.
 */
export interface Setting<T> {
  readonly group: SettingGroup;
  readonly vars: readonly EnvVar[];
  readonly parse: (env: NodeJS.ProcessEnv, readFile: ReadSecretFile | undefined) => T;
}

/** A variable read by another module (named), documented with the others so the list is whole. */
export interface ExternalSetting {
  readonly group: SettingGroup;
  readonly vars: readonly EnvVar[];
  readonly readIn: string;
}

const v = (name: string, type: string, fallback: string, description: string): EnvVar => ({
  name,
  type,
  default: fallback,
  description,
});

const INTEGER_1 = 'integer >= 1';
const INTEGER_0 = 'integer >= 0';

/**
 * Every setting of PipelineConfig, in the order they are parsed (so the first error is the same
 * as ever). The mapped type makes a field without a setting, or a parser of the wrong type, a
 * type error.
 */
export const PIPELINE_SETTINGS: { readonly [K in keyof PipelineConfig]: Setting<PipelineConfig[K]> } = {
  bootstrapServers: {
    group: 'Kafka',
    vars: [
      v(
        'KAFKA_BOOTSTRAP',
        'host:port list',
        '127.0.0.1:19092',
        'Brokers to bootstrap from, comma-separated (the local stack listens on 127.0.0.1:19092).',
      ),
    ],
    parse: (env) => (env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092').split(','),
  },
  security: {
    group: 'Kafka security',
    vars: [
      v(
        'KAFKA_SECURITY_PROTOCOL',
        'PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
        'PLAINTEXT',
        'Protocol to the brokers; unset, SSL when KAFKA_TLS=true and SASL_* when a SASL user is set.',
      ),
      v(
        'KAFKA_TLS',
        'true, false',
        '',
        "The Helm chart's older TLS switch; only implies the protocol when KAFKA_SECURITY_PROTOCOL is unset.",
      ),
      v(
        'KAFKA_SASL_MECHANISM',
        'SCRAM-SHA-512, SCRAM-SHA-256, PLAIN',
        'SCRAM-SHA-512',
        'SASL mechanism; the secure local stack uses SCRAM-SHA-512 (docs/security.md).',
      ),
      v(
        'KAFKA_SASL_USERNAME',
        'string',
        '',
        "This process's principal; every service of the process connects as it (or _FILE: a mounted secret).",
      ),
      v(
        'KAFKA_SASL_USERNAME_FILE',
        'path',
        '',
        'File holding the user name (trimmed); never with KAFKA_SASL_USERNAME.',
      ),
      v('KAFKA_SASL_PASSWORD', 'string', '', 'Password of the principal; masked in every error message.'),
      v(
        'KAFKA_SASL_PASSWORD_FILE',
        'path',
        '',
        'File holding the password (a mounted Secret, trimmed); never with KAFKA_SASL_PASSWORD.',
      ),
      v(
        'KAFKA_SSL_CA_FILE',
        'path (PEM)',
        '',
        "CA the brokers' certificates chain to; unset: the system CAs.",
      ),
      v(
        'KAFKA_SSL_CERT_FILE',
        'path (PEM)',
        '',
        'Client certificate, when the brokers ask for one (with KAFKA_SSL_KEY_FILE).',
      ),
      v('KAFKA_SSL_KEY_FILE', 'path (PEM)', '', 'Key of the client certificate (with KAFKA_SSL_CERT_FILE).'),
    ],
    parse: (env, readFile) => kafkaSecurityFromEnv(env, readFile),
  },
  applicationId: {
    group: 'Application and state',
    vars: [
      v(
        'APPLICATION_ID',
        'string',
        'ecommerce-saga',
        "The core's consumer group and transactional id prefix, other services' APPLICATION_ID-service; prefixes internal topics.",
      ),
    ],
    parse: (env) => env.APPLICATION_ID ?? 'ecommerce-saga',
  },
  instanceId: {
    group: 'Application and state',
    vars: [
      v(
        'INSTANCE_ID',
        'string',
        'instance-1',
        'Stable per instance: static membership (group.instance.id), so a restart keeps its tasks; unique per instance.',
      ),
    ],
    parse: (env) => env.INSTANCE_ID ?? 'instance-1',
  },
  topicPrefix: {
    group: 'Application and state',
    vars: [
      v('TOPIC_PREFIX', 'string', '', 'Prefix for every topic name (several pipelines on one cluster).'),
    ],
    parse: (env) => env.TOPIC_PREFIX ?? '',
  },
  partitions: {
    group: 'Application and state',
    vars: [
      v(
        'PARTITIONS',
        INTEGER_1,
        '3',
        'Partitions of the topics the app creates; existing orders/stock must have as many (co-partitioning).',
      ),
    ],
    parse: (env) => integer(env, 'PARTITIONS', 3),
  },
  replicationFactor: {
    group: 'Application and state',
    vars: [
      v(
        'REPLICATION_FACTOR',
        INTEGER_1,
        '1',
        'Replicas of every created topic, internal ones included (3 on a cluster; min.insync.replicas = min(2, RF)).',
      ),
    ],
    parse: (env) => integer(env, 'REPLICATION_FACTOR', 1),
  },
  stateDir: {
    group: 'Application and state',
    vars: [
      v(
        'STATE_DIR',
        'path',
        './.stack/state',
        'Local state stores and their checkpoints; one directory per instance (deleting it forces a restore).',
      ),
    ],
    parse: (env) => env.STATE_DIR ?? join(process.cwd(), '.stack', 'state'),
  },
  storeType: {
    group: 'Application and state',
    vars: [
      v(
        'STORE_TYPE',
        'rocksDB, in_memory',
        'rocksDB',
        'Store engine; in_memory restores everything from the changelogs at each start.',
      ),
    ],
    parse: (env) => oneOf(env, 'STORE_TYPE', ['rocksDB', 'in_memory'], 'rocksDB'),
  },
  storeCacheMaxBytes: {
    group: 'Application and state',
    vars: [
      v(
        'STORE_CACHE_MAX_BYTES',
        INTEGER_0,
        '0',
        'Record cache per store and task; off (0) because on the saga it cost more than it saved (keys read once per commit).',
      ),
    ],
    parse: (env) => integer(env, 'STORE_CACHE_MAX_BYTES', 0, 0),
  },
  numStandbyReplicas: {
    group: 'Scaling',
    vars: [
      v(
        'NUM_STANDBY_REPLICAS',
        INTEGER_0,
        '0',
        "Warm copies of each task's stores on other instances (num.standby.replicas): failover restores only the tail.",
      ),
    ],
    parse: (env) => integer(env, 'NUM_STANDBY_REPLICAS', 0, 0),
  },
  outputFormat: {
    group: 'Schemas, logs and tracing',
    vars: [
      v(
        'OUTPUT_FORMAT',
        'json, avro',
        'json',
        'Format the saga writes; inputs are read in either (avro uses SCHEMA_REGISTRY_URL when set).',
      ),
    ],
    parse: (env) => oneOf(env, 'OUTPUT_FORMAT', ['json', 'avro'], 'json'),
  },
  httpHost: {
    group: 'Order API',
    vars: [v('HTTP_HOST', 'host', '127.0.0.1', 'Address the order API, health and metrics listen on.')],
    parse: (env) => env.HTTP_HOST ?? '127.0.0.1',
  },
  httpPort: {
    group: 'Order API',
    vars: [
      v(
        'HTTP_PORT',
        INTEGER_0,
        '8080',
        'Port of the order API, /healthz, /readyz and /metrics (0: any free port).',
      ),
    ],
    parse: (env) => integer(env, 'HTTP_PORT', 8080, 0),
  },
  applicationServer: {
    group: 'Order API',
    vars: [
      v(
        'APPLICATION_SERVER',
        'host:port',
        'HTTP_HOST:HTTP_PORT',
        'Where other instances reach this one (application.server): reads of keys it owns are forwarded here.',
      ),
    ],
    parse: (env) => applicationServer(env),
  },
  orderApiKey: {
    group: 'Order API',
    vars: [
      v(
        'ORDER_API_KEY',
        '16-256 printable ASCII',
        '',
        'When set, POST /orders needs Authorization: Bearer KEY or x-api-key: KEY (else 401); reads stay open.',
      ),
      v(
        'ORDER_API_KEY_FILE',
        'path',
        '',
        'File holding ORDER_API_KEY (a mounted secret, trimmed); never with it.',
      ),
    ],
    parse: (env, readFile) => orderApiKey(env, readFile),
  },
  paymentGatewayUrl: {
    group: 'Payment and reservations',
    vars: [
      v(
        'PAYMENT_GATEWAY_URL',
        'URL',
        'http://127.0.0.1:8090',
        'Payment gateway the payment service charges.',
      ),
    ],
    parse: (env) => env.PAYMENT_GATEWAY_URL ?? 'http://127.0.0.1:8090',
  },
  paymentMaxAttempts: {
    group: 'Payment and reservations',
    vars: [
      v(
        'PAYMENT_MAX_ATTEMPTS',
        INTEGER_1,
        '6',
        'Charge attempts (5xx, timeouts; exponential backoff 100 ms to 2 s) before the payment FAILED.',
      ),
    ],
    parse: (env) => integer(env, 'PAYMENT_MAX_ATTEMPTS', 6),
  },
  outboundMaxInFlight: {
    group: 'Payment and reservations',
    vars: [
      v(
        'OUTBOUND_MAX_IN_FLIGHT',
        INTEGER_1,
        '256',
        'Gateway, SMTP, SMS and webhook calls each payment or notification task keeps out at once (the next request waits for an answer).',
      ),
    ],
    parse: (env) => integer(env, 'OUTBOUND_MAX_IN_FLIGHT', 256),
  },
  outboundCheckIntervalMs: {
    group: 'Payment and reservations',
    vars: [
      v(
        'OUTBOUND_CHECK_INTERVAL_MS',
        INTEGER_1,
        '5',
        'How often answered third-party calls are applied while calls are out: the latency an answer waits, against a transaction per check.',
      ),
    ],
    parse: (env) => integer(env, 'OUTBOUND_CHECK_INTERVAL_MS', 5),
  },
  reservationTimeoutMs: {
    group: 'Payment and reservations',
    vars: [
      v(
        'RESERVATION_TIMEOUT_MS',
        INTEGER_1,
        '30000',
        'RESERVED becomes EXPIRED (stock released) after this: long enough for the payment retries, short enough to free stock.',
      ),
    ],
    parse: (env) => integer(env, 'RESERVATION_TIMEOUT_MS', 30_000),
  },
  smtp: {
    group: 'Notifications',
    vars: [
      v('SMTP_HOST', 'host', '', 'SMTP server of the e-mail channel; the channel is off when unset.'),
      v('SMTP_PORT', INTEGER_1, '25', 'SMTP port (read only with SMTP_HOST).'),
      v('SMTP_FROM', 'address', 'orders@example.com', 'Sender of the e-mails.'),
    ],
    parse: (env) =>
      env.SMTP_HOST
        ? {
            host: env.SMTP_HOST,
            port: integer(env, 'SMTP_PORT', 25),
            from: env.SMTP_FROM ?? 'orders@example.com',
          }
        : null,
  },
  sms: {
    group: 'Notifications',
    vars: [
      v('SMS_PROVIDER_URL', 'URL', '', 'SMS provider of the SMS channel; the channel is off when unset.'),
      v('SMS_API_KEY', 'string', '', 'API key sent to the SMS provider.'),
      v('SMS_FROM', 'string', 'SHOP', 'Sender name of the SMS.'),
    ],
    parse: (env) =>
      env.SMS_PROVIDER_URL
        ? { providerUrl: env.SMS_PROVIDER_URL, apiKey: env.SMS_API_KEY ?? '', from: env.SMS_FROM ?? 'SHOP' }
        : null,
  },
  webhook: {
    group: 'Notifications',
    vars: [
      v('WEBHOOK_URL', 'URL', '', 'Receiver of the webhook channel; the channel is off when unset.'),
      v(
        'WEBHOOK_SECRET',
        'string',
        '',
        'HMAC-SHA256 key of the X-Signature header; required (non-empty) when WEBHOOK_URL is set.',
      ),
    ],
    parse: (env) => (env.WEBHOOK_URL ? { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET ?? '' } : null),
  },
  databaseUrl: {
    group: 'Read model',
    vars: [
      v(
        'DATABASE_URL',
        'postgres URL',
        '',
        'PostgreSQL read model of order-status (the read-model service); off when unset.',
      ),
    ],
    parse: (env) => env.DATABASE_URL ?? null,
  },
  notifyOn: {
    group: 'Notifications',
    vars: [],
    parse: () => ['CREATED', 'SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
  },
  services: {
    group: 'Scaling',
    vars: [
      v(
        'SERVICES',
        'all or list of core, payment, notification, read-model',
        'all',
        'Saga services this process runs, so each can be deployed and scaled alone; order queries need core.',
      ),
    ],
    parse: (env) => services(env.SERVICES),
  },
  streamProcesses: {
    group: 'Scaling',
    vars: [
      v(
        'STREAM_PROCESSES',
        INTEGER_1,
        '1',
        'Processes running the saga core (num.stream.threads: one Node event loop uses one core).',
      ),
    ],
    parse: (env) => integer(env, 'STREAM_PROCESSES', 1),
  },
};

/** Settings of the process that PipelineConfig does not hold. */
export interface ProcessConfig {
  /** Service name of the spans when OTEL_EXPORTER_OTLP_ENDPOINT is set; null: tracing off. */
  tracingServiceName: string | null;
}

export const PROCESS_SETTINGS: { readonly [K in keyof ProcessConfig]: Setting<ProcessConfig[K]> } = {
  tracingServiceName: {
    group: 'Schemas, logs and tracing',
    vars: [
      v(
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'URL',
        '',
        'OTLP/HTTP collector (e.g. Jaeger, http://127.0.0.1:4318): every order traced across services; off and free when unset.',
      ),
      v('OTEL_SERVICE_NAME', 'string', 'ecommerce-saga', 'Service name of the spans.'),
    ],
    parse: (env) => (env.OTEL_EXPORTER_OTLP_ENDPOINT ? (env.OTEL_SERVICE_NAME ?? 'ecommerce-saga') : null),
  },
};

/** Variables other modules read directly; listed so that --help and the docs are whole. */
export const EXTERNAL_SETTINGS: readonly ExternalSetting[] = [
  {
    group: 'Application and state',
    readIn: 'app/dev-mode.ts',
    vars: [
      v(
        'PIPELINE_MODE',
        'dev, production',
        'production',
        'dev (npm start -- --dev): fake gateway, SMTP, SMS and webhook receivers on 127.0.0.1, wired in and printed.',
      ),
    ],
  },
  {
    group: 'Schemas, logs and tracing',
    readIn: 'schemas/registry.ts',
    vars: [
      v(
        'SCHEMA_REGISTRY_URL',
        'URL',
        '',
        'Confluent-compatible schema registry for Avro; unset: stable local schema ids.',
      ),
      v(
        'SCHEMA_REGISTRY_AUTO_REGISTER',
        'true, false',
        'true',
        'Register the schemas at start; false: they must already be in the registry.',
      ),
    ],
  },
  {
    group: 'Schemas, logs and tracing',
    readIn: 'runtime/logger.ts',
    vars: [
      v('LOG_LEVEL', 'pino level', 'info', 'Level of the JSON logs on stderr (tests default to warn).'),
      v('LOG_FILE', 'path', '', 'When set, every log line goes to this file and only errors reach stderr.'),
    ],
  },
];

/** Every documented setting, grouped in SETTING_GROUPS order, declaration order within a group. */
export function allSettings(): { group: SettingGroup; vars: readonly EnvVar[]; readIn: string }[] {
  const all = [
    ...Object.values<Setting<unknown>>(PIPELINE_SETTINGS).map((s) => ({ ...s, readIn: 'app/config.ts' })),
    ...Object.values<Setting<unknown>>(PROCESS_SETTINGS).map((s) => ({ ...s, readIn: 'app/main.ts' })),
    ...EXTERNAL_SETTINGS,
  ].filter((s) => s.vars.length > 0);
  return SETTING_GROUPS.flatMap((group) =>
    all.filter((s) => s.group === group).map((s) => ({ group, vars: s.vars, readIn: s.readIn })),
  );
}

function fromTable<T extends object>(
  table: { readonly [K in keyof T]: Setting<T[K]> },
  env: NodeJS.ProcessEnv,
  readFile: ReadSecretFile | undefined,
): T {
  const config: Partial<T> = {};
  for (const key of Object.keys(table) as (keyof T)[]) config[key] = table[key].parse(env, readFile);
  return config as T;
}

export function pipelineConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  readFile?: ReadSecretFile,
): PipelineConfig {
  return fromTable<PipelineConfig>(PIPELINE_SETTINGS, env, readFile);
}

export function processConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessConfig {
  return fromTable<ProcessConfig>(PROCESS_SETTINGS, env, undefined);
}

function applicationServer(env: NodeJS.ProcessEnv): string {
  const raw = env.APPLICATION_SERVER ?? `${env.HTTP_HOST ?? '127.0.0.1'}:${env.HTTP_PORT ?? '8080'}`;
  if (!/^[^:\s/]+:\d{1,5}$/.test(raw) || raw.endsWith(':0'))
    throw new ConfigError(
      'APPLICATION_SERVER',
      raw,
      'host:port where other instances reach this one (set it when HTTP_HOST is 0.0.0.0 or HTTP_PORT is 0)',
    );
  return raw;
}

// 16 characters is the least a guessed key should need (a random 16-character key is ~95 bits);
// printable ASCII without spaces, so it travels in a header exactly as configured.
const API_KEY = /^[\x21-\x7e]{16,256}$/;

function orderApiKey(env: NodeJS.ProcessEnv, readFile: ReadSecretFile | undefined): string | null {
  const key = valueOrFile(env, 'ORDER_API_KEY', readFile ?? ((path) => readFileSync(path, 'utf8')), true);
  if (key === undefined) return null;
  if (!API_KEY.test(key))
    throw new ConfigError(
      env.ORDER_API_KEY_FILE ? 'ORDER_API_KEY_FILE' : 'ORDER_API_KEY',
      `*** (${key.length} characters)`,
      '16-256 printable ASCII characters without spaces (e.g. openssl rand -hex 32)',
    );
  return key;
}

function services(raw: string | undefined): SagaPart[] {
  if (raw === undefined || raw.trim() === '' || raw === 'all') return [...ALL_SAGA_PARTS];
  const list = raw.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(ALL_SAGA_PARTS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new ConfigError('SERVICES', raw, `a comma-separated list of ${ALL_SAGA_PARTS.join(', ')} (or all)`);
  if (list.length === 0 || list.some((s) => s === ''))
    throw new ConfigError('SERVICES', raw, `a comma-separated list of ${ALL_SAGA_PARTS.join(', ')} (or all)`);
  return list as SagaPart[];
}
