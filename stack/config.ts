/**
 * Addresses of the local stack. Non-default ports so a developer's own Kafka (9092) or PostgreSQL
 * (5432) never collides with ours. Override with KAFKA_BOOTSTRAP / DATABASE_URL.
 *
 * STACK_KAFKA_PORT moves the stack's Kafka (with STACK_DIR, STACK_POSTGRES_PORT and
 * STACK_REGISTRY_PORT, a whole second stack) beside the default one: the first broker listens
 * there, its controller one port above; in a cluster node n takes the next pair (see kafka-node.ts).
 * STACK_JAEGER_* move Jaeger's ports the same way (`npm run stack:up -- --jaeger`).
 */
function basePort(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65_000)
    throw new Error(`${variable}=${raw}: expected an integer from 1024 to 65000`);
  return port;
}

export const KAFKA_PORT = basePort('STACK_KAFKA_PORT', 19092);
export const KAFKA_CONTROLLER_PORT = KAFKA_PORT + 1;
export const POSTGRES_PORT = basePort('STACK_POSTGRES_PORT', 15432);
/** The schema registry (Apicurio, `npm run stack:up -- --registry`); its management port is one above. */
export const REGISTRY_PORT = basePort('STACK_REGISTRY_PORT', 18081);
/** Prometheus (`npm run stack:up -- --prometheus`), scraping the pipeline's /metrics. */
export const PROMETHEUS_PORT = basePort('STACK_PROMETHEUS_PORT', 19090);

/** Jaeger v2 (`npm run stack:up -- --jaeger`): OTLP receivers and the query API (its gRPC one port below). */
export const JAEGER_OTLP_GRPC_PORT = basePort('STACK_JAEGER_OTLP_GRPC_PORT', 14317);
export const JAEGER_OTLP_HTTP_PORT = basePort('STACK_JAEGER_OTLP_HTTP_PORT', 14318);
export const JAEGER_QUERY_PORT = basePort('STACK_JAEGER_QUERY_PORT', 16686);
export const JAEGER_QUERY_GRPC_PORT = JAEGER_QUERY_PORT - 1;

export const stackConfig = {
  kafkaBootstrap: process.env.KAFKA_BOOTSTRAP ?? `127.0.0.1:${KAFKA_PORT}`,
  databaseUrl: process.env.DATABASE_URL ?? `postgres://pipeline:pipeline@127.0.0.1:${POSTGRES_PORT}/pipeline`,
  /** Confluent-compatible API of the stack's registry: the value for SCHEMA_REGISTRY_URL. */
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${REGISTRY_PORT}/apis/ccompat/v7`,
  /** The stack's Prometheus: its HTTP API (/api/v1/query) and UI. */
  prometheusUrl: `http://127.0.0.1:${PROMETHEUS_PORT}`,
  /** The stack's Jaeger OTLP/HTTP receiver: the value for OTEL_EXPORTER_OTLP_ENDPOINT (the SDK adds /v1/traces). */
  otlpEndpoint: `http://127.0.0.1:${JAEGER_OTLP_HTTP_PORT}`,
  /** Jaeger's query service: its HTTP API (/api/services, /api/traces) and UI. */
  jaegerQueryUrl: `http://127.0.0.1:${JAEGER_QUERY_PORT}`,
};
