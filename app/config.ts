import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../topology/index.ts';
import type { KafkaSecurity } from '../runtime/index.ts';
import { kafkaSecurityFromEnv, valueOrFile, type ReadSecretFile } from './kafka-security-config.ts';
import type { OrderStatus } from '../schemas/index.ts';
import { ALL_SAGA_PARTS, type SagaPart } from './saga-topology.ts';

/** Every setting of the pipeline service, from the environment, with its default and why. */
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

export function pipelineConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  readFile?: ReadSecretFile,
): PipelineConfig {
  const applicationId = env.APPLICATION_ID ?? 'ecommerce-saga';
  return {
    bootstrapServers: (env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092').split(','),
    security: kafkaSecurityFromEnv(env, readFile),
    applicationId,
    instanceId: env.INSTANCE_ID ?? 'instance-1',
    topicPrefix: env.TOPIC_PREFIX ?? '',
    partitions: integer(env, 'PARTITIONS', 3),
    replicationFactor: integer(env, 'REPLICATION_FACTOR', 1),
    stateDir: env.STATE_DIR ?? join(process.cwd(), '.stack', 'state'),
    storeType: oneOf(env, 'STORE_TYPE', ['rocksDB', 'in_memory'], 'rocksDB'),
    // Off by default: measured on the saga (bench, core at 1,000 and 3,000 orders/s) the cache
    // costs more than it saves, its keys are mostly read once per commit.
    storeCacheMaxBytes: integer(env, 'STORE_CACHE_MAX_BYTES', 0, 0),
    numStandbyReplicas: integer(env, 'NUM_STANDBY_REPLICAS', 0, 0),
    outputFormat: oneOf(env, 'OUTPUT_FORMAT', ['json', 'avro'], 'json'),
    httpHost: env.HTTP_HOST ?? '127.0.0.1',
    httpPort: integer(env, 'HTTP_PORT', 8080, 0),
    applicationServer: applicationServer(env),
    orderApiKey: orderApiKey(env, readFile),
    paymentGatewayUrl: env.PAYMENT_GATEWAY_URL ?? 'http://127.0.0.1:8090',
    paymentMaxAttempts: integer(env, 'PAYMENT_MAX_ATTEMPTS', 6),
    reservationTimeoutMs: integer(env, 'RESERVATION_TIMEOUT_MS', 30_000),
    smtp: env.SMTP_HOST
      ? {
          host: env.SMTP_HOST,
          port: integer(env, 'SMTP_PORT', 25),
          from: env.SMTP_FROM ?? 'orders@example.com',
        }
      : null,
    sms: env.SMS_PROVIDER_URL
      ? { providerUrl: env.SMS_PROVIDER_URL, apiKey: env.SMS_API_KEY ?? '', from: env.SMS_FROM ?? 'SHOP' }
      : null,
    webhook: env.WEBHOOK_URL ? { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET ?? '' } : null,
    databaseUrl: env.DATABASE_URL ?? null,
    notifyOn: ['CREATED', 'SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
    services: services(env.SERVICES),
    streamProcesses: integer(env, 'STREAM_PROCESSES', 1),
  };
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
