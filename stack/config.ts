/**
 * Addresses of the local stack. Non-default ports so a developer's own Kafka (9092) or PostgreSQL
 * (5432) never collides with ours. Override with KAFKA_BOOTSTRAP / DATABASE_URL.
 */
export const KAFKA_PORT = 19092;
export const KAFKA_CONTROLLER_PORT = 19093;
export const POSTGRES_PORT = 15432;

export const stackConfig = {
  kafkaBootstrap: process.env.KAFKA_BOOTSTRAP ?? `127.0.0.1:${KAFKA_PORT}`,
  databaseUrl: process.env.DATABASE_URL ?? `postgres://pipeline:pipeline@127.0.0.1:${POSTGRES_PORT}/pipeline`,
};
