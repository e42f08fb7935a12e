import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecureListener } from './kafka-security.ts';
import { pidAlive, runAsync, startDetached } from './process-tools.ts';

/** One KRaft node of the stack: broker and controller in one JVM, all on 127.0.0.1. */
export interface KafkaNode {
  readonly id: number;
  /** Broker listener: what clients bootstrap from. */
  readonly port: number;
  readonly controllerPort: number;
  /** Its own folder: server.properties, log4j2.properties, broker.pid, data/ and logs/. */
  readonly dir: string;
}

/**
 * The nodes of a stack of `count` brokers. A single broker keeps the stack's first layout (its
 * files straight in kafka/, ports base and base+1), so a stack started before clusters existed is
 * still found. In a cluster node n has kafka/node-n/, broker port base+2(n-1) and the controller
 * one above: node 1 stands where the single broker would.
 */
export function kafkaNodes(kafkaDir: string, basePort: number, count: number): KafkaNode[] {
  if (count === 1) return [{ id: 1, port: basePort, controllerPort: basePort + 1, dir: kafkaDir }];
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    port: basePort + 2 * i,
    controllerPort: basePort + 2 * i + 1,
    dir: join(kafkaDir, `node-${i + 1}`),
  }));
}

export function nodeFiles(node: KafkaNode) {
  return {
    data: join(node.dir, 'data'),
    logs: join(node.dir, 'logs'),
    pid: join(node.dir, 'broker.pid'),
    properties: join(node.dir, 'server.properties'),
    log4j: join(node.dir, 'log4j2.properties'),
    stdout: join(node.dir, 'logs', 'stdout.log'),
  };
}

export function bootstrapOf(nodes: readonly KafkaNode[]): string {
  return nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
}

/**
 * Durability follows the size of the quorum: one broker can only keep one copy; three keep three
 * and take a write once two have it, so any one broker may be down (killed, restarting) and
 * nothing acknowledged is lost.
 */
function replicationLines(brokers: number): string[] {
  if (brokers < 3) {
    return [
      // One broker: internal topics with replication 1 and few partitions (fast start, little memory).
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=3',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
    ];
  }
  return [
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'offsets.topic.replication.factor=3',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=3',
    'share.coordinator.state.topic.min.isr=2',
  ];
}

/**
 * Writes the node's server.properties and log4j2.properties; `quorum` is every node of its stack.
 * `secure` adds a SASL_SSL listener beside PLAINTEXT (stack:up --secure, see kafka-security.ts).
 */
export function writeNodeConfig(
  node: KafkaNode,
  quorum: readonly KafkaNode[],
  secure?: SecureListener,
): void {
  const files = nodeFiles(node);
  const sasl = secure ? `,SASL_SSL://127.0.0.1:${secure.port}` : '';
  mkdirSync(files.logs, { recursive: true });
  writeFileSync(
    files.properties,
    [
      'process.roles=broker,controller',
      `node.id=${node.id}`,
      `controller.quorum.voters=${quorum.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
      `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}${sasl}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}${sasl}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${files.data}`,
      // Topics are created by their owners, with the partitions and configs they need.
      'auto.create.topics.enable=false',
      'num.partitions=1',
      ...replicationLines(quorum.length),
      // Groups form at once instead of waiting 3 s for more members: tests and demos start faster.
      'group.initial.rebalance.delay.ms=0',
      // Crashed test members leave the group in seconds, not the default 45 s.
      'group.consumer.min.session.timeout.ms=2000',
      'group.classic.min.session.timeout.ms=2000',
      // A crashed instance's open transaction holds the LSO and its offsets "unstable" (the next
      // owner of its tasks waits) until it times out; the broker looks for such transactions every
      // 10 s by default, on top of the timeout. Once a second costs nothing here.
      'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
      ...(secure?.lines ?? []),
    ].join('\n') + '\n',
  );
  // It holds the keystore's password when secure.
  chmodSync(files.properties, 0o600);
  writeFileSync(
    files.log4j,
    [
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.file.ref=file',
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${join(files.logs, 'server.log')}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      'logger.kafka.name=kafka',
      'logger.kafka.level=WARN',
      'logger.apache.name=org.apache.kafka',
      'logger.apache.level=WARN',
      // Transaction markers skipped or retried are the first thing to look at when exactly-once
      // breaks around a broker restart: keep the coordinator's INFO lines.
      'logger.txn.name=kafka.coordinator.transaction',
      'logger.txn.level=INFO',
      'logger.txnj.name=org.apache.kafka.coordinator.transaction',
      'logger.txnj.level=INFO',
    ].join('\n') + '\n',
  );
}

/** The cluster id a formatted node was given, or null when its storage is not formatted yet. */
export function formattedClusterId(node: KafkaNode): string | null {
  const meta = join(nodeFiles(node).data, 'meta.properties');
  if (!existsSync(meta)) return null;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim() ?? null;
}

/** Formats the node's KRaft storage (its config must be written): every node of a stack gets one cluster id. */
export async function formatNode(node: KafkaNode, classpath: string, clusterId: string): Promise<void> {
  await runAsync('java', [
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    nodeFiles(node).properties,
  ]);
}

/**
 * Starts the node's JVM detached (it outlives us) and records its pid. `nice` lowers its priority,
 * so a test's cluster does not starve whatever else shares the machine.
 */
export function startNode(node: KafkaNode, classpath: string, options: { nice?: number } = {}): number {
  const files = nodeFiles(node);
  const java = [
    'java',
    '-Xms256m',
    '-Xmx1g',
    `-Dlog4j2.configurationFile=${files.log4j}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    files.properties,
  ];
  // nice execs java: the pid stays the JVM's.
  const command = options.nice ? ['nice', '-n', String(options.nice), ...java] : java;
  const pid = startDetached(command[0] as string, command.slice(1), openSync(files.stdout, 'a'));
  writeFileSync(files.pid, String(pid));
  return pid;
}

/** The pid of the node's live JVM, or null. */
export function nodePid(node: KafkaNode): number | null {
  const file = nodeFiles(node).pid;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8'));
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
}
