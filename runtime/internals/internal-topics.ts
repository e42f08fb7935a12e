import { TopologyError, type PartitionCounts, type Topology } from '../../topology/index.ts';
import type { StreamsConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { AdminPort, TopicToCreate } from '../ports/ports.ts';

/**
 * Checks the source topics, derives the partition counts of the internal topics from the graph
 * (co-partitioning enforced) and creates the repartition topics, the compacted changelogs and the
 * dead-letter topic. Idempotent: existing topics with the right partition count are kept.
 */
export async function prepareTopics(
  topology: Topology,
  config: StreamsConfig,
  admin: AdminPort,
  log: Logger,
): Promise<PartitionCounts> {
  const internal = topology.internalTopics(config.applicationId);
  const internalNames = new Set(internal.map((t) => t.name));
  const external = [...new Set(topology.sourceTopics(config.applicationId))].filter(
    (t) => !internalNames.has(t),
  );
  const existing = await admin.partitionCounts(external);
  const missing = external.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new TopologyError(
      `Source topic(s) ${missing.join(', ')} do not exist; create them first (auto-creation is off by design)`,
    );
  }
  const counts = topology.validatePartitionCounts(existing, config.applicationId);

  const toCreate: TopicToCreate[] = internal.map((spec) => {
    const partitions = spec.partitions ?? counts.topics.get(spec.name) ?? config.internalTopicPartitions;
    if (partitions === null || partitions === undefined) {
      throw new TopologyError(`Cannot derive the partition count of internal topic ${spec.name}`);
    }
    return {
      name: spec.name,
      partitions,
      replicationFactor: config.internalTopicReplicationFactor,
      configs: spec.config,
    };
  });
  const deadLetter = await admin.partitionCounts([config.deadLetterTopic]);
  if (!deadLetter.has(config.deadLetterTopic)) {
    toCreate.push({
      name: config.deadLetterTopic,
      partitions: 1,
      replicationFactor: config.internalTopicReplicationFactor,
      configs: {},
    });
  }
  if (toCreate.length > 0) {
    await admin.createTopics(toCreate);
    log.info({ topics: toCreate.map((t) => `${t.name}(${t.partitions})`) }, 'internal topics ready');
  }
  return counts;
}
