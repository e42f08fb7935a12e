import { kafkaReady, startKafka } from './kafka-broker.ts';
import { postgresReady, startPostgres } from './postgres.ts';

/** Starts whatever part of the local stack is not running; a fast no-op when everything is up. */
export async function ensureStack(): Promise<void> {
  const [kafka, postgres] = await Promise.all([kafkaReady(), postgresReady()]);
  if (!kafka) await startKafka();
  if (!postgres) await startPostgres();
}
