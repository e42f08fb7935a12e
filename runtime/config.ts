import { hostname } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigError } from '../engine-common/errors.ts';
import { validateKafkaSecurity, type KafkaSecurity } from './security.ts';

export const ProcessingGuarantee = {
  EXACTLY_ONCE_V2: 'exactly_once_v2',
  AT_LEAST_ONCE: 'at_least_once',
} as const;
export type ProcessingGuarantee = (typeof ProcessingGuarantee)[keyof typeof ProcessingGuarantee];

export type ProcessingExceptionHandling = 'dead-letter' | 'fail';

/**
 * Every setting of a StreamsApp, with its default and why. Kafka Streams' names are used where
 * the idea is the same (`application.id` → `applicationId`).
 */
export interface StreamsConfig {
  /** Consumer group id, transactional id prefix and internal topic prefix. Required. */
  applicationId: string;
  /** host:port list. Required. */
  bootstrapServers: string[];
  /**
   * TLS and SASL of every connection (Kafka's `security.protocol`, `sasl.*`, `ssl.*`); null is
   * PLAINTEXT. The same principal serves the consumer, the producer and the admin of the app.
   */
  security: KafkaSecurity | null;
  /** Local state: `<stateDir>/<applicationId>/<taskId>/`. */
  stateDir: string;
  processingGuarantee: ProcessingGuarantee;
  /**
   * Upper bound between commits. A batch commits as soon as it is processed (adaptive commit),
   * so this only matters while a batch is still being worked through or punctuators produced output.
   */
  commitIntervalMs: number;
  /** Partitions of repartition topics when the graph does not say (default: as many as the upstream sources). */
  internalTopicPartitions: number | null;
  internalTopicReplicationFactor: number;
  /** Stable per instance: the transactional id is `<applicationId>-<instanceId>`, so a restarted instance fences its zombie. */
  instanceId: string;
  /**
   * How long a poll waits for records when idle. A poll never waits past the next wall-clock
   * punctuation due, so punctuators fire on time however long this is.
   */
  pollMaxWaitMs: number;
  /** Upper bound on records processed between two commits, so one huge fetch does not delay a commit. */
  maxRecordsPerCommit: number;
  /** Where processing exceptions go: the dead-letter topic (and go on) or a clean stop. */
  processingExceptionHandling: ProcessingExceptionHandling;
  deadLetterTopic: string;
  /** Host/port advertised for interactive queries (the app's HTTP server); informational for the engine. */
  applicationServer: string | null;
  /**
   * Kafka Streams' `task.timeout.ms`: how long a streak of failed attempts (each one aborts, rebuilds
   * the tasks and backs off) may last before the app gives up and goes to ERROR.
   */
  taskTimeoutMs: number;
  /**
   * Liveness: a running task whose input has not moved for this long while records wait beyond its
   * position is reported (`kafka_streams_task_stalled`) and rebuilt.
   */
  taskStallTimeoutMs: number;
  /**
   * Record cache per store instance (one per task), in bytes, for stores built with caching
   * enabled (Kafka Streams' `statestore.cache.max.bytes`, which is one budget per thread; here each
   * cached store has its own). 0 turns every cache off.
   */
  storeCacheMaxBytes: number;
  /**
   * Kafka Streams' `num.standby.replicas`: how many other instances keep a warm copy of each task's
   * stores, read from its changelogs. When the owner goes, the task moves to an instance holding
   * a copy, which restores only the tail instead of the whole changelog. 0 keeps none.
   */
  numStandbyReplicas: number;
  /** How often a standby reads what its changelogs gained (its lag behind the active task). */
  standbyCatchUpIntervalMs: number;
  /**
   * Kafka's transaction.timeout.ms. After a crash, the next owner of the tasks waits for the dead
   * instance's open transaction to time out (its offsets read "unstable"), so shorter means faster
   * failover; but the coordinator aborts a transaction left open longer (across a broker restart)
   * by bumping the producer's epoch, which fences the instance — and a fenced instance stops.
   * Measured: at 10 s (Kafka Streams' default under exactly-once) an instance was fenced that way
   * in 1 of 2 saga-books chaos runs (broker restart); 30 s passed 20 of 20 before.
   */
  transactionTimeoutMs: number;
}

export type StreamsConfigInput = Partial<StreamsConfig> &
  Pick<StreamsConfig, 'applicationId' | 'bootstrapServers'>;

export function defaultStreamsConfig(applicationId: string): Omit<StreamsConfig, 'bootstrapServers'> {
  return {
    applicationId,
    security: null,
    stateDir: join(tmpdir(), 'kafka-streams'),
    processingGuarantee: ProcessingGuarantee.EXACTLY_ONCE_V2,
    commitIntervalMs: 100,
    internalTopicPartitions: null,
    internalTopicReplicationFactor: 1,
    instanceId: `${hostname()}-${process.pid}`,
    pollMaxWaitMs: 100,
    maxRecordsPerCommit: 5000,
    processingExceptionHandling: 'dead-letter',
    deadLetterTopic: 'dead-letter',
    applicationServer: null,
    taskTimeoutMs: 300_000,
    taskStallTimeoutMs: 20_000,
    storeCacheMaxBytes: 1_048_576,
    numStandbyReplicas: 0,
    standbyCatchUpIntervalMs: 1000,
    transactionTimeoutMs: 30_000,
  };
}

const APPLICATION_ID = /^[a-zA-Z0-9._-]{1,200}$/;

/** Fills defaults and validates; throws a ConfigError naming the key, the value and what is allowed. */
export function resolveStreamsConfig(input: StreamsConfigInput): StreamsConfig {
  if (typeof input.applicationId !== 'string' || !APPLICATION_ID.test(input.applicationId)) {
    throw new ConfigError('applicationId', input.applicationId, 'a non-empty string of [a-zA-Z0-9._-]');
  }
  const config = { ...defaultStreamsConfig(input.applicationId), ...stripUndefined(input) } as StreamsConfig;
  if (!Array.isArray(config.bootstrapServers) || config.bootstrapServers.length === 0) {
    throw new ConfigError('bootstrapServers', config.bootstrapServers, 'a non-empty list of host:port');
  }
  for (const server of config.bootstrapServers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(server)) throw new ConfigError('bootstrapServers', server, 'host:port');
  }
  if (config.security !== null) validateKafkaSecurity(config.security);
  const guarantees: string[] = Object.values(ProcessingGuarantee);
  if (!guarantees.includes(config.processingGuarantee)) {
    throw new ConfigError(
      'processingGuarantee',
      config.processingGuarantee,
      `one of ${guarantees.join(', ')}`,
    );
  }
  if (!['dead-letter', 'fail'].includes(config.processingExceptionHandling)) {
    throw new ConfigError(
      'processingExceptionHandling',
      config.processingExceptionHandling,
      'dead-letter or fail',
    );
  }
  positiveInteger('commitIntervalMs', config.commitIntervalMs);
  positiveInteger('pollMaxWaitMs', config.pollMaxWaitMs);
  positiveInteger('maxRecordsPerCommit', config.maxRecordsPerCommit);
  positiveInteger('internalTopicReplicationFactor', config.internalTopicReplicationFactor);
  positiveInteger('taskTimeoutMs', config.taskTimeoutMs);
  positiveInteger('taskStallTimeoutMs', config.taskStallTimeoutMs);
  if (!Number.isInteger(config.storeCacheMaxBytes) || config.storeCacheMaxBytes < 0)
    throw new ConfigError('storeCacheMaxBytes', config.storeCacheMaxBytes, 'an integer >= 0');
  if (!Number.isInteger(config.numStandbyReplicas) || config.numStandbyReplicas < 0)
    throw new ConfigError('numStandbyReplicas', config.numStandbyReplicas, 'an integer >= 0');
  positiveInteger('standbyCatchUpIntervalMs', config.standbyCatchUpIntervalMs);
  positiveInteger('transactionTimeoutMs', config.transactionTimeoutMs);
  if (config.internalTopicPartitions !== null)
    positiveInteger('internalTopicPartitions', config.internalTopicPartitions);
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(config.instanceId)) {
    throw new ConfigError('instanceId', config.instanceId, 'a non-empty string of [a-zA-Z0-9._-]');
  }
  return config;
}

function positiveInteger(key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(key, value, 'a positive integer');
  }
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}
