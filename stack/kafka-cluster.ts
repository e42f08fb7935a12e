import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaClasspath } from './kafka-classpath.ts';
import { brokerAnswers, describeCluster, probeReplication } from './kafka-admin.ts';
import {
  bootstrapOf,
  formatNode,
  formattedClusterId,
  kafkaNodes,
  nodeFiles,
  nodePid,
  startNode,
  writeNodeConfig,
  type KafkaNode,
} from './kafka-node.ts';
import type { SecureListener } from './kafka-security.ts';
import { pidAlive, portOpen, say, waitFor } from './process-tools.ts';

/** Where a stack's Kafka lives and how big it is: one broker (the default) or a quorum of three. */
export interface KafkaStackOptions {
  /** The stack's kafka/ folder (STACK_DIR/kafka). */
  readonly kafkaDir: string;
  /** Node 1's broker port; its controller is one above, node n takes the next pair. */
  readonly basePort: number;
  readonly brokers: number;
  /** Lower priority for the JVMs (`nice -n`), for a cluster that shares the machine with other work. */
  readonly nice?: number;
  /** A SASL_SSL listener per node too (kafka-security.ts), written into configs of nodes not running. */
  readonly secure?: (node: KafkaNode) => SecureListener;
}

export const BROKER_COUNTS = [1, 3] as const;
/** Three JVMs start on two cores in about 15 s; a minute and a half bounds a slow machine. */
const START_TIMEOUT_MS = 90_000;
/** A clean stop (controlled shutdown, logs flushed) takes seconds; past this a node is killed. */
const STOP_TIMEOUT_MS = 45_000;

const nodesFile = (kafkaDir: string) => join(kafkaDir, 'nodes.json');

/**
 * The nodes the stack in `kafkaDir` was last started with, so `down` and `status` find one broker
 * or three. A stack started before nodes.json existed is one broker on `basePort`.
 */
export function recordedNodes(kafkaDir: string, basePort: number): KafkaNode[] {
  const file = nodesFile(kafkaDir);
  if (!existsSync(file)) return kafkaNodes(kafkaDir, basePort, 1);
  return JSON.parse(readFileSync(file, 'utf8')) as KafkaNode[];
}

/** Ready: every node answers, the metadata lists all of them, and (a cluster) a topic with one replica on each can be created. */
async function stackReady(nodes: readonly KafkaNode[]): Promise<boolean> {
  for (const node of nodes) if (!(await portOpen(node.port))) return false;
  try {
    const view = await describeCluster(bootstrapOf(nodes));
    if (view.brokers.size < nodes.length) return false;
    if (nodes.length > 1) await probeReplication(bootstrapOf(nodes), nodes.length);
    return true;
  } catch {
    return false;
  }
}

function sameLayout(a: readonly KafkaNode[], b: readonly KafkaNode[]): boolean {
  return a.length === b.length && a.every((n, i) => n.port === b[i]?.port && n.dir === b[i]?.dir);
}

/**
 * A random cluster id as `kafka-storage random-uuid` makes one: 16 bytes in base64url, never
 * starting with '-' (kafka-storage would read `--cluster-id -x…` as a missing argument: one
 * format in 64 failed so, seen in a chaos repeat).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** One cluster id for every node: the one a formatted node already has, else a new one. */
async function formatStorage(nodes: readonly KafkaNode[], classpath: string): Promise<void> {
  const unformatted = nodes.filter((n) => formattedClusterId(n) === null);
  if (unformatted.length === 0) return;
  const clusterId = nodes.map(formattedClusterId).find((id) => id !== null) ?? newClusterId();
  say(`formatting KRaft storage${nodes.length > 1 ? ` of ${unformatted.length} node(s)` : ''}`);
  await Promise.all(unformatted.map((node) => formatNode(node, classpath, clusterId)));
}

/**
 * Starts the stack's Kafka: formats what is new, starts every node not already running (so it
 * also brings back a node that was killed) and waits until the stack is ready.
 */
export async function startKafkaStack(options: KafkaStackOptions): Promise<KafkaNode[]> {
  const { kafkaDir, basePort, brokers } = options;
  if (!(BROKER_COUNTS as readonly number[]).includes(brokers))
    throw new Error(`--brokers ${brokers}: expected one of ${BROKER_COUNTS.join(', ')}`);
  const nodes = kafkaNodes(kafkaDir, basePort, brokers);
  const recorded = recordedNodes(kafkaDir, basePort);
  if (!sameLayout(recorded, nodes) && recorded.some((n) => nodePid(n) !== null)) {
    throw new Error(
      `${kafkaDir} runs ${recorded.length} broker(s) from ${recorded[0]?.port}; stop it first (npm run stack:down)`,
    );
  }
  // A single broker someone else started on our port (CI, a restart by a test) is the stack's broker.
  if (brokers === 1 && (await brokerAnswers(basePort))) {
    say(`Kafka already running on 127.0.0.1:${basePort}`);
    return nodes;
  }
  if (brokers > 1 && nodes.every((n) => nodePid(n) !== null) && (await stackReady(nodes))) {
    say(`Kafka cluster already running on ${bootstrapOf(nodes)}`);
    return nodes;
  }
  mkdirSync(kafkaDir, { recursive: true });
  writeFileSync(nodesFile(kafkaDir), JSON.stringify(nodes, null, 2));
  const classpath = kafkaClasspath();
  for (const node of nodes) if (nodePid(node) === null) writeNodeConfig(node, nodes, options.secure?.(node));
  await formatStorage(nodes, classpath);
  const started = Date.now();
  for (const node of nodes) {
    if (nodePid(node) !== null) continue;
    for (const port of [node.port, node.controllerPort])
      if (await portOpen(port))
        throw new Error(`port ${port} (Kafka node ${node.id}) is taken by another process`);
    const pid = startNode(node, classpath, { nice: options.nice });
    say(
      `Kafka node ${node.id} starting (pid ${pid}) on 127.0.0.1:${node.port}, logs in ${nodeFiles(node).logs}`,
    );
  }
  await waitFor(
    async () => {
      const dead = nodes.find((n) => nodePid(n) === null);
      if (dead) throw new Error(`Kafka node ${dead.id} exited during start; see ${nodeFiles(dead).stdout}`);
      return stackReady(nodes);
    },
    START_TIMEOUT_MS,
    brokers > 1
      ? `${brokers} Kafka brokers to register and take a topic with ${brokers} replicas`
      : 'Kafka to answer metadata requests',
  );
  say(`Kafka ready in ${Date.now() - started} ms on ${bootstrapOf(nodes)}`);
  return nodes;
}

/**
 * Stops every node of the stack at once (SIGTERM: controlled shutdown); a node still alive after
 * STOP_TIMEOUT_MS — a broker waiting for a quorum whose other voters are already gone — is
 * killed. `force` kills at once: for a throw-away cluster whose data nobody keeps.
 */
export async function stopKafkaStack(kafkaDir: string, basePort: number, force = false): Promise<void> {
  const live = recordedNodes(kafkaDir, basePort)
    .map((node) => ({ node, pid: nodePid(node) }))
    .filter((n): n is { node: KafkaNode; pid: number } => n.pid !== null);
  if (live.length === 0) {
    say('Kafka not running (no live pid file)');
    return;
  }
  for (const { pid } of live) process.kill(pid, force ? 'SIGKILL' : 'SIGTERM');
  try {
    await waitFor(async () => live.every(({ pid }) => !pidAlive(pid)), STOP_TIMEOUT_MS, 'Kafka to stop');
  } catch {
    for (const { node, pid } of live.filter(({ pid }) => pidAlive(pid))) {
      say(`Kafka node ${node.id} did not stop in ${STOP_TIMEOUT_MS} ms; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  say(`Kafka stopped (${live.length} node(s))`);
}

export interface NodeStatus {
  readonly node: KafkaNode;
  readonly pid: number | null;
  readonly up: boolean;
}

/** Each node of the stack: its pid (from its pid file) and whether it answers metadata requests. */
export async function kafkaStackStatus(kafkaDir: string, basePort: number): Promise<NodeStatus[]> {
  return Promise.all(
    recordedNodes(kafkaDir, basePort).map(async (node) => ({
      node,
      pid: nodePid(node),
      up: await brokerAnswers(node.port),
    })),
  );
}
