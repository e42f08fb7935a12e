/**
 * The default stack's Kafka (STACK_DIR, STACK_KAFKA_PORT): one broker unless `--brokers 3` asks
 * for a cluster. The machinery is in kafka-cluster.ts (a stack of nodes) and kafka-node.ts (one node).
 */
import { KAFKA_PORT } from './config.ts';
import {
  kafkaStackStatus,
  recordedNodes,
  startKafkaStack,
  stopKafkaStack,
  type NodeStatus,
} from './kafka-cluster.ts';
import { brokerAnswers } from './kafka-admin.ts';
import { nodePid, type KafkaNode } from './kafka-node.ts';
import {
  provisionSecurity,
  recordSecure,
  secureListener,
  secureListenerAnswers,
  securePort,
  secureRecorded,
} from './kafka-security.ts';
import { kafkaDir } from './paths.ts';
import { say, waitFor } from './process-tools.ts';

export { kafkaClasspath } from './kafka-classpath.ts';

/** True when a broker answers a real metadata request on the stack's port. */
export function kafkaReady(): Promise<boolean> {
  return brokerAnswers(KAFKA_PORT);
}

/**
 * Starts what is not running. `secure` (stack:up --secure) adds the SASL_SSL listener, its users
 * and ACLs; by default a restart keeps what the stack was last started with. A broker running
 * without the secure listener is restarted with it (its data is kept).
 */
export async function startKafka(brokers = 1, secure = secureRecorded()): Promise<KafkaNode[]> {
  const running = recordedNodes(kafkaDir, KAFKA_PORT).some((n) => nodePid(n) !== null);
  if (secure && running && !(await secureListenerAnswers(securePort({ port: KAFKA_PORT })))) {
    say('restarting Kafka to add the SASL_SSL listener (data kept)');
    await stopKafka();
  } else if (!secure && !running) recordSecure(false);
  const nodes = await startKafkaStack({
    kafkaDir,
    basePort: KAFKA_PORT,
    brokers,
    ...(secure ? { secure: secureListener } : {}),
  });
  if (secure) {
    recordSecure(true);
    await provisionSecurity(KAFKA_PORT);
    const ports = nodes.map(securePort);
    await waitFor(
      async () => (await Promise.all(ports.map(secureListenerAnswers))).every(Boolean),
      30_000,
      'the SASL_SSL listener to accept the admin user',
    );
    say(`SASL_SSL (SCRAM-SHA-512) on ${ports.map((p) => `127.0.0.1:${p}`).join(',')}`);
  }
  return nodes;
}

export function stopKafka(): Promise<void> {
  return stopKafkaStack(kafkaDir, KAFKA_PORT);
}

export function kafkaStatus(): Promise<NodeStatus[]> {
  return kafkaStackStatus(kafkaDir, KAFKA_PORT);
}
