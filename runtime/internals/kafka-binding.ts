import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import {
  KafkaAdmin,
  KafkaGroupConsumer,
  KafkaPartitionReader,
  KafkaProducer,
  partitionFor,
} from '../kafka/index.ts';
import type { KafkaPorts, PartitionReaderPort, ProducerPort } from '../ports/ports.ts';

/**
 * Builds the ports the runtime runs on, from the config: a group consumer named after the
 * application (static membership by instance id), one producer per instance (transactional under
 * exactly_once_v2, with transactional id `<applicationId>-<instanceId>`), an admin and a reader.
 */
export async function createKafkaPorts(
  config: StreamsConfig,
  log: Logger,
  options: { writtenTopics?: () => readonly string[]; localState?: () => readonly number[] } = {},
): Promise<KafkaPorts> {
  const settings = clientSettings(config, '');
  const consumer = new KafkaGroupConsumer(
    settings,
    {
      groupId: config.applicationId,
      groupInstanceId: config.instanceId,
      applicationServer: config.applicationServer,
      ...(options.localState ? { localState: options.localState } : {}),
    },
    log.child({ component: 'consumer' }),
  );
  const exactlyOnce = config.processingGuarantee === 'exactly_once_v2';
  const admin = new KafkaAdmin(settings);
  const producer = new KafkaProducer(settings, {
    ...(exactlyOnce
      ? {
          transactionalId: `${config.applicationId}-${config.instanceId}`,
          transactionTimeoutMs: config.transactionTimeoutMs,
        }
      : {}),
    groupConsumer: () => consumer.consumer,
    batchLimits: (topics) => admin.maxMessageBytes(topics),
    ...(options.writtenTopics ? { writtenTopics: options.writtenTopics } : {}),
    onHanging: (open, error) => {
      const transactions = open.map((o) => ({
        partition: `${o.topic}:${o.partition}`,
        producerEpoch: o.producerEpoch,
        startOffset: String(o.startOffset),
        ended: o.decision ?? null,
      }));
      if (error)
        log.warn(
          { err: error, transactions },
          'ending transactions of ours that partitions still hold open failed (retried)',
        );
      else
        log.warn(
          { transactions },
          'ended transactions of ours that partitions still held open (their markers were lost)',
        );
    },
    onRewritten: (partitions, records) =>
      log.warn(
        { partitions: partitions.map((p) => `${p.topic}:${p.partition}`), records },
        'wrote again committed records that an abort took with it (their commit markers were lost)',
      ),
  });
  const reader = new KafkaPartitionReader(settings);
  return {
    admin,
    consumer,
    producer,
    reader,
    partitionFor,
    async close() {
      await consumer.close();
      await producer.close();
      await Promise.allSettled([admin.close(), reader.close()]);
    },
  };
}

function clientSettings(config: StreamsConfig, suffix: string) {
  return {
    clientId: `${config.applicationId}-${config.instanceId}${suffix}`,
    bootstrapServers: config.bootstrapServers,
    ...(config.security ? { security: config.security } : {}),
  };
}

/** The global state maintainer's own clients (see GlobalStateMaintainer). */
export interface GlobalKafkaPorts {
  readonly reader: PartitionReaderPort;
  /** Idempotent, not transactional: dead letters of global records. */
  readonly deadLetters: ProducerPort;
  close(): Promise<void>;
}

/**
 * A reader and a producer for the global stores, apart from the stream thread's: the global loop
 * reads while the stream thread restores with its own reader, and its dead letters cannot join the
 * stream thread's transactions (an abort there must not take them, and no replay would resend them).
 */
export function createGlobalKafkaPorts(config: StreamsConfig): GlobalKafkaPorts {
  const settings = clientSettings(config, '-global');
  const reader = new KafkaPartitionReader(settings);
  const deadLetters = new KafkaProducer(settings, {});
  return {
    reader,
    deadLetters,
    async close() {
      await Promise.allSettled([reader.close(), deadLetters.close()]);
    },
  };
}
