import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import {
  KafkaAdmin,
  KafkaGroupConsumer,
  KafkaPartitionReader,
  KafkaProducer,
  partitionFor,
} from '../kafka/index.ts';
import type { KafkaPorts } from '../ports/ports.ts';

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
  const settings = {
    clientId: `${config.applicationId}-${config.instanceId}`,
    bootstrapServers: config.bootstrapServers,
    ...(config.security ? { security: config.security } : {}),
  };
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
