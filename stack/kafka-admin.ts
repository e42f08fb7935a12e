import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { portOpen } from './process-tools.ts';

/** A partition's leader (node id, -1 while it has none), its replicas and those in sync. */
export interface PartitionView {
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** What a cluster says of itself: its registered brokers (node id → port) and, per topic asked, its partitions. */
export interface ClusterView {
  readonly brokers: ReadonlyMap<number, number>;
  readonly topics: ReadonlyMap<string, readonly PartitionView[]>;
}

/**
 * The stack's own look at cluster metadata (the engine's admin port has no use for broker lists
 * or leaders). Few retries: a caller polls, and one that is told "not yet" soon polls better.
 */
function admin(bootstrap: string): Admin {
  return new Admin({
    clientId: `stack-metadata-${randomBytes(3).toString('hex')}`,
    bootstrapBrokers: bootstrap.split(','),
    retries: 2,
    retryDelay: 200,
    timeout: 5000,
  });
}

export async function describeCluster(
  bootstrap: string,
  topics: readonly string[] = [],
): Promise<ClusterView> {
  const client = admin(bootstrap);
  try {
    const metadata = await client.metadata({ topics: [...topics], forceUpdate: true });
    return {
      brokers: new Map([...metadata.brokers].map(([id, broker]) => [id, broker.port])),
      topics: new Map(
        [...metadata.topics].map(([name, t]) => [
          name,
          t.partitions.map((p) => ({ leader: p.leader, replicas: p.replicas, isr: p.isr })),
        ]),
      ),
    };
  } finally {
    await client.close();
  }
}

/** True when a broker answers a real metadata request on this port (not just the port). */
export async function brokerAnswers(port: number): Promise<boolean> {
  if (!(await portOpen(port))) return false;
  try {
    await describeCluster(`127.0.0.1:${port}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a throw-away topic with `replicas` replicas and deletes it again: the controller accepts
 * it only when that many brokers are registered and unfenced, the proof a cluster can take writes.
 */
export async function probeReplication(bootstrap: string, replicas: number): Promise<void> {
  const client = admin(bootstrap);
  const topic = `stack-probe-rf${replicas}-${randomBytes(4).toString('hex')}`;
  try {
    await client.createTopics({ topics: [topic], partitions: 1, replicas });
    await client.deleteTopics({ topics: [topic] });
  } finally {
    await client.close();
  }
}

/** Creates topics with the replicas asked for; a topic that exists already is left as it is. */
export async function createTopicsWithReplicas(
  bootstrap: string,
  topics: readonly {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
  }[],
): Promise<void> {
  const client = admin(bootstrap);
  try {
    const existing = new Set(await client.listTopics());
    for (const topic of topics.filter((t) => !existing.has(t.name))) {
      await client.createTopics({
        topics: [topic.name],
        partitions: topic.partitions,
        replicas: topic.replicationFactor,
        configs: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
      });
    }
  } finally {
    await client.close();
  }
}
