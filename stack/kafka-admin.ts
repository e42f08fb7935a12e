import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { portOpen } from './process-tools.ts';

/** What a cluster says of itself: its registered brokers (node id → port) and, per topic asked, each partition's leader. */
export interface ClusterView {
  readonly brokers: ReadonlyMap<number, number>;
  /** topic → leader node id by partition (-1 while a partition has none). */
  readonly leaders: ReadonlyMap<string, readonly number[]>;
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
      leaders: new Map([...metadata.topics].map(([name, t]) => [name, t.partitions.map((p) => p.leader)])),
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
