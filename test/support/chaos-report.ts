import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { OrderStatusChanged } from '../../schemas/index.ts';
import { BOOTSTRAP } from './kafka.ts';

/**
 * What a failed chaos run leaves for the next person: the status history of every order that did
 * not finish, and every consumer group's partitions that still lag (read with the real
 * `kafka-consumer-groups` tool), so a stuck order points at the partition that stopped moving.
 */
export function stuckOrdersReport(
  stuck: readonly string[],
  history: ReadonlyMap<string, readonly OrderStatusChanged[]>,
  groupPrefix: string,
  bootstrap = BOOTSTRAP,
): string {
  const lines = [`${stuck.length} order(s) without a terminal state:`];
  for (const orderId of stuck.slice(0, 20)) {
    const events = history.get(orderId) ?? [];
    lines.push(
      `  ${orderId}: ${events.length === 0 ? '(no status at all)' : events.map((e) => `${e.status}@${e.at}`).join(' → ')}`,
    );
  }
  lines.push(`partitions with lag > 1 in groups starting with ${groupPrefix}:`);
  lines.push(...laggingPartitions(groupPrefix, bootstrap).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG rows whose lag exceeds one marker. */
export function laggingPartitions(groupPrefix: string, bootstrap = BOOTSTRAP): string[] {
  const cli = join(import.meta.dirname, '../../stack/cli.ts');
  const run = spawnSync(
    process.execPath,
    [cli, 'kafka', 'consumer-groups', '--bootstrap-server', bootstrap, '--describe', '--all-groups'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) return [`(kafka-consumer-groups failed: ${run.stderr.trim().slice(-300)})`];
  const rows = run.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[0]?.startsWith(groupPrefix) && cols.length >= 6)
    .filter((cols) => Number(cols[5]) > 1 || cols[3] === '-');
  return rows.length === 0 ? ['(none)'] : rows.map((cols) => cols.slice(0, 6).join(' '));
}
