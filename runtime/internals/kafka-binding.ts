import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import {
  KafkaAdmin,
  KafkaGroupConsumer,
  KafkaPartitionReader,
  KafkaProducer,
  partitionFor,
} from '../kafka/index.ts';
import type { KafkaPorts } from './ports.ts';

/**
 * Builds the ports the runtime runs on, from the config: a group consumer named after the
 * application (static membership by instance id), one producer per instance (transactional under
 * exactly_once_v2, with transactional id `<applicationId>-<instanceId>`), an admin and a reader.
 */
export async function createKafkaPorts(config: StreamsConfig, log: Logger): Promise<KafkaPorts> {
  const settings = {
    clientId: `${config.applicationId}-${config.instanceId}`,
    bootstrapServers: config.bootstrapServers,
  };
  const consumer = new KafkaGroupConsumer(
    settings,
    { groupId: config.applicationId, groupInstanceId: config.instanceId },
    log.child({ component: 'consumer' }),
  );
  const exactlyOnce = config.processingGuarantee === 'exactly_once_v2';
  const admin = new KafkaAdmin(settings);
  const producer = new KafkaProducer(settings, {
    ...(exactlyOnce ? { transactionalId: `${config.applicationId}-${config.instanceId}` } : {}),
    groupConsumer: () => consumer.consumer,
    batchLimits: (topics) => admin.maxMessageBytes(topics),
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
