import { formatTaskId, type TaskId } from '../../topology/index.ts';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type { ChangelogRecord, StateStore } from '../../state-stores/state-store.ts';
import type { Logger } from '../logger.ts';
import type { StreamsMetrics } from '../metrics/streams-metrics.ts';
import type { AdminPort, ConsumedRecord, PartitionReaderPort, TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

export interface StoreToRestore {
  readonly store: StateStore;
  readonly changelog: TopicPartition;
}

/** Changelog records as a store restores them (a record without a key has none to restore under). */
export function changelogRecordsOf(batch: readonly ConsumedRecord[]): ChangelogRecord[] {
  return batch.map((r) => ({ key: r.key ?? Buffer.alloc(0), value: r.value, offset: r.offset }));
}

/** Progress is logged at most this often, so a large restore shows it is alive without flooding logs. */
const PROGRESS_LOG_INTERVAL_MS = 2000;

/**
 * Why a store's local state must not be used, or null when it may. A store applies a transaction's
 * writes once the broker says the transaction committed, and checkpoints just past its changelog
 * records. The broker can still lose the commit: when its only broker stops right after EndTxn,
 * the coordinator may find no leader for the partitions, skip their commit markers and record the
 * transaction complete; the producer's next transaction then continues the same open transaction
 * in those partitions, and its abort aborts both. The store then holds writes Kafka does not, and
 * replaying input on top counts it twice. Checked by reading back the record before the
 * checkpoint as a read_committed consumer sees it.
 */
async function checkpointDistrust(
  store: StateStore,
  changelog: TopicPartition,
  end: bigint,
  ports: { admin: AdminPort; reader: PartitionReaderPort },
): Promise<'checkpoint beyond changelog end' | 'checkpoint after aborted records' | null> {
  const checkpoint = store.checkpointedOffset();
  if (checkpoint === null || checkpoint === 0n) return null;
  if (checkpoint > end) {
    // The records before the checkpoint are in the log but not yet stable: a transaction that
    // wrote them is still open (its markers are on their way, or were lost and are being
    // repaired). Wiping now and restoring up to the stable end would run the task on state that
    // misses writes Kafka is about to commit: wait for the outcome instead.
    const highWatermark = (await ports.admin.highWatermarks([changelog])).get(tpKey(changelog));
    if (highWatermark !== undefined && highWatermark >= checkpoint)
      throw new ChangelogInDoubtError(store.name, changelog, checkpoint, end);
    // The changelog was recreated or truncated: nothing says the local writes exist any more.
    return 'checkpoint beyond changelog end';
  }
  const outcome = await ports.reader.outcomeAt(changelog, checkpoint - 1n);
  return outcome === 'aborted' ? 'checkpoint after aborted records' : null;
}

/** How long a restore waits for a just-committed transaction's markers before giving up for now. */
const MARKER_WAIT_MS = 3000;
const MARKER_POLL_MS = 100;

/**
 * The changelog's stable end once it reaches `checkpoint`, or as it is after MARKER_WAIT_MS. The
 * markers of a transaction that committed a moment ago (a task closed and reopened by a quick
 * rebalance) are written after EndTxn returns: the stable end catches up within milliseconds, and
 * the restore need not fail for it.
 */
async function stableEndReaching(
  changelog: TopicPartition,
  checkpoint: bigint,
  end: bigint,
  ports: { admin: AdminPort },
): Promise<bigint> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  let stable = end;
  while (stable < checkpoint && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, MARKER_POLL_MS));
    stable = (await ports.admin.endOffsets([changelog])).get(tpKey(changelog)) ?? stable;
  }
  return stable;
}

/**
 * A store cannot be restored yet: its checkpoint lies inside a transaction its changelog still
 * holds open. Retried (the thread backs off, re-initialises its producer, which ends our own
 * leftovers, and restores again); a transaction that never ends stops the thread after
 * `taskTimeoutMs` with this message.
 */
export class ChangelogInDoubtError extends KafkaClientError {
  constructor(store: string, changelog: TopicPartition, checkpoint: bigint, stableEnd: bigint) {
    super(
      `store ${store} cannot be restored yet: its checkpoint ${checkpoint} lies in a transaction that ` +
        `${tpKey(changelog)} still holds open (stable up to ${stableEnd}); waiting for it to end`,
    );
    this.name = 'ChangelogInDoubtError';
  }
}

/**
 * Replays each store's changelog partition from its checkpoint to the current end (read_committed:
 * the last stable offset) and returns, per store, the changelog offset it is now checkpointed at.
 * A store with no checkpoint restores from the beginning of the changelog (ARCHITECTURE.md, principle 5).
 */
export async function restoreStores(
  taskId: TaskId,
  stores: readonly StoreToRestore[],
  ports: { admin: AdminPort; reader: PartitionReaderPort },
  metrics: StreamsMetrics,
  log: Logger,
): Promise<Map<string, bigint>> {
  const task = formatTaskId(taskId);
  const result = new Map<string, bigint>();
  if (stores.length === 0) return result;
  const partitions = stores.map((s) => s.changelog);
  const [ends, beginnings] = await Promise.all([
    ports.admin.endOffsets(partitions),
    ports.admin.beginningOffsets(partitions),
  ]);
  for (const { store, changelog } of stores) {
    let end = ends.get(tpKey(changelog)) ?? 0n;
    const checkpoint = store.checkpointedOffset();
    if (checkpoint !== null && checkpoint > end)
      end = await stableEndReaching(changelog, checkpoint, end, ports);
    const beginning = beginnings.get(tpKey(changelog)) ?? 0n;
    const distrust = await checkpointDistrust(store, changelog, end, ports);
    if (distrust !== null) {
      log.warn(
        { task, store: store.name, checkpoint: String(store.checkpointedOffset()), end: String(end) },
        `local state cannot be trusted (${distrust}); wiping it and restoring from the beginning`,
      );
      metrics.storeWipes.inc({ store: store.name, reason: distrust });
      await store.wipe();
    }
    let from = store.checkpointedOffset() ?? beginning;
    if (from < beginning) from = beginning;
    const total = end - from;
    const started = Date.now();
    let restored = 0;
    let lastLog = started;
    metrics.restoreRemaining.set({ store: store.name, task_id: task }, Number(total));
    // A series per store from its first restore on, even of nothing: a restore rate reads 0, not "no data".
    metrics.restored.inc({ store: store.name }, 0);
    if (total > 0n) {
      for await (const batch of ports.reader.read(changelog, from, end)) {
        if (batch.length === 0) continue;
        const next = (batch.at(-1)?.offset ?? from) + 1n;
        await store.restore(changelogRecordsOf(batch), next);
        restored += batch.length;
        metrics.restored.inc({ store: store.name }, batch.length);
        metrics.restoreRemaining.set({ store: store.name, task_id: task }, Math.max(0, Number(end - next)));
        if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
          lastLog = Date.now();
          log.info({ task, store: store.name, restored, remaining: Number(end - next) }, 'restoring');
        }
      }
    }
    // Commit markers may sit after the last record: checkpoint the end itself so a warm restart
    // replays nothing.
    if (store.checkpointedOffset() !== end) await store.restore([], end);
    metrics.restoreRemaining.set({ store: store.name, task_id: task }, 0);
    result.set(store.name, end);
    log.info(
      { task, store: store.name, restored, from: String(from), to: String(end), ms: Date.now() - started },
      'store restored',
    );
  }
  return result;
}
