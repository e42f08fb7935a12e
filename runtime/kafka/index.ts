/**
 * The engine's one door to Kafka: the only module that imports the client library
 * (@platformatic/kafka). Everything else talks to the ports in runtime/ports/ports.ts.
 */
export { KafkaAdmin } from './admin-port.ts';
export { KafkaGroupAdmin, type GroupDescription, type CommittedOffsets } from './group-admin.ts';
export { KafkaProducer } from './producer-port.ts';
export { KafkaGroupConsumer, type GroupConsumerOptions } from './group-consumer-port.ts';
export { KafkaPartitionReader } from './partition-reader.ts';
export { murmur2, partitionFor } from './partitioner.ts';
export { toKafkaError, brokerErrorNames } from './errors.ts';
export type { ClientSettings } from './client-options.ts';
