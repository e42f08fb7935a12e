/**
 * The default stack's Kafka (STACK_DIR, STACK_KAFKA_PORT): one broker unless `--brokers 3` asks
 * for a cluster. The machinery is in kafka-cluster.ts (a stack of nodes) and kafka-node.ts (one node).
 */
import { KAFKA_PORT } from './config.ts';
import { kafkaStackStatus, startKafkaStack, stopKafkaStack, type NodeStatus } from './kafka-cluster.ts';
import { brokerAnswers } from './kafka-admin.ts';
import type { KafkaNode } from './kafka-node.ts';
import { kafkaDir } from './paths.ts';

export { kafkaClasspath } from './kafka-classpath.ts';

/** True when a broker answers a real metadata request on the stack's port. */
export function kafkaReady(): Promise<boolean> {
  return brokerAnswers(KAFKA_PORT);
}

export function startKafka(brokers = 1): Promise<KafkaNode[]> {
  return startKafkaStack({ kafkaDir, basePort: KAFKA_PORT, brokers });
}

export function stopKafka(): Promise<void> {
  return stopKafkaStack(kafkaDir, KAFKA_PORT);
}

export function kafkaStatus(): Promise<NodeStatus[]> {
  return kafkaStackStatus(kafkaDir, KAFKA_PORT);
}
