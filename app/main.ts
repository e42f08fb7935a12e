/**
 * The pipeline service: `node app/main.ts` (configured by environment; `--help` lists it).
 */
import { createLogger, startTracing } from '../runtime/index.ts';
import { ConfigError, KafkaClientError } from '../topology/index.ts';
import { pipelineConfigFromEnv } from './config.ts';
import { startPipeline } from './pipeline.ts';

const HELP = `Usage: node app/main.ts        (npm start)

Runs the e-commerce saga on Kafka with exactly-once processing and serves the order API.

Environment (defaults in brackets):
  KAFKA_BOOTSTRAP        host:port list                    [127.0.0.1:19092]
  KAFKA_SECURITY_PROTOCOL PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL [PLAINTEXT;
                         SSL when KAFKA_TLS=true, SASL_* when a SASL user is set]
  KAFKA_SASL_MECHANISM   SCRAM-SHA-512 | SCRAM-SHA-256 | PLAIN [SCRAM-SHA-512]
  KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD  this process's principal (or
                         KAFKA_SASL_USERNAME_FILE, KAFKA_SASL_PASSWORD_FILE: a mounted secret)
  KAFKA_SSL_CA_FILE      PEM CA the brokers' certificates chain to [system CAs]
  KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE   client certificate and key (PEM), when asked
                         (docs/security.md: the local stack's users and ACLs)
  APPLICATION_ID         consumer group / internal topics  [ecommerce-saga]
  INSTANCE_ID            stable per instance (fencing)     [instance-1]
  TOPIC_PREFIX           prefix for every topic            []
  PARTITIONS             partitions of created topics      [3]
  REPLICATION_FACTOR     replicas of created topics (3 on the
                         three-broker stack; min.insync.replicas 2) [1]
  STATE_DIR              RocksDB state                     [./.stack/state]
  STORE_TYPE             rocksDB | in_memory               [rocksDB]
  STORE_CACHE_MAX_BYTES  record cache per store and task (0 = off) [0]
  NUM_STANDBY_REPLICAS   warm copies of each task's stores on other instances
                         (failover restores only the tail) [0]
  OUTPUT_FORMAT          json | avro                       [json]
  HTTP_HOST, HTTP_PORT   order API                         [127.0.0.1, 8080]
  APPLICATION_SERVER     host:port other instances reach this one on; queries
                         for keys it owns are forwarded here [HTTP_HOST:HTTP_PORT]
  ORDER_API_KEY          when set, POST /orders needs Authorization: Bearer <key>
                         or x-api-key: <key> (else 401); 16-256 printable ASCII
                         characters (or ORDER_API_KEY_FILE: a mounted secret).
                         GET, health and metrics stay open  [unset: no key]
  PAYMENT_GATEWAY_URL    payment gateway                   [http://127.0.0.1:8090]
  PAYMENT_MAX_ATTEMPTS   charge attempts before FAILED     [6]
  RESERVATION_TIMEOUT_MS RESERVED → EXPIRED after          [30000]
  SMTP_HOST, SMTP_PORT, SMTP_FROM          e-mail channel (off when SMTP_HOST unset)
  SMS_PROVIDER_URL, SMS_API_KEY, SMS_FROM  SMS channel (off when unset)
  WEBHOOK_URL, WEBHOOK_SECRET              webhook channel (off when unset)
  DATABASE_URL           PostgreSQL read model (off when unset)
  SCHEMA_REGISTRY_URL    Confluent-compatible registry (local stable ids when unset)
  SERVICES               saga services run here: all, or a list of core,payment,
                         notification,read-model (order queries need core) [all]
  STREAM_PROCESSES       processes running the saga core (num.stream.threads;
                         one Node process uses one core)   [1]
  LOG_LEVEL              pino level                        [info]
  OTEL_EXPORTER_OTLP_ENDPOINT  OTLP/HTTP collector (e.g. Jaeger, http://127.0.0.1:4318):
                         when set, every order is traced across all services (W3C
                         traceparent in record headers); off (and free) when unset
  OTEL_SERVICE_NAME      service name of the spans             [ecommerce-saga]`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const log = createLogger('pipeline');
/** Start-up waits out a broker that is briefly away (a restart takes seconds) instead of dying. */
const START_ATTEMPTS = 12;
const START_RETRY_MS = 5000;

async function startWithRetries(): Promise<Awaited<ReturnType<typeof startPipeline>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPipeline(pipelineConfigFromEnv(), log);
    } catch (error) {
      // A refused login or a missing ACL (fatal) answers the same in 5 s: stop with its sentence now.
      const fatal = error instanceof KafkaClientError && error.recovery === 'fatal';
      if (error instanceof ConfigError || fatal || attempt >= START_ATTEMPTS) throw error;
      log.warn({ err: error, attempt, retryInMs: START_RETRY_MS }, 'pipeline start failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
    }
  }
}

// Tracing only when a collector is configured: otherwise no SDK is registered and spans are no-ops.
const stopTracing = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
  ? startTracing({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'ecommerce-saga' })
  : async () => undefined;

try {
  const pipeline = await startWithRetries();
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    pipeline
      .stop()
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A stream process (see stream-processes.ts): say where it serves, and end with its parent.
  if (process.send) {
    process.send({ type: 'ready', httpUrl: pipeline.httpUrl });
    process.once('disconnect', () => stop('parent gone'));
  }
  // Any service failing for good stops the process: the platform restarts it (a pod restart).
  for (const [service, app] of pipeline.apps)
    app.on('error', (error) => {
      log.fatal({ err: error, service }, 'pipeline failed');
      void pipeline.stop().finally(() => process.exit(1));
    });
} catch (error) {
  log.fatal({ err: error }, 'pipeline could not start');
  process.exit(1);
}
