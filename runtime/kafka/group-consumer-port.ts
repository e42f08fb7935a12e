import { Connection, Consumer, offsetFetchV9 } from '@platformatic/kafka';
import { KafkaClientError } from '../../engine-common/errors.ts';
import type {
  ConsumedRecord,
  GroupConsumerPort,
  GroupMetadata,
  OffsetToCommit,
  RebalanceListener,
  TopicPartition,
} from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import type { Logger } from '../logger.ts';
import { baseOptions, connectionOptions, type ClientSettings } from './client-options.ts';
import { copartitionedAssignor } from './copartitioned-assignor.ts';
import { brokerErrorNames, wrap, type AccessContext } from './errors.ts';
import { principalName } from '../security.ts';
import { Fetcher, type FetchPosition, type FetchResult } from './fetcher.ts';
import { GroupOwnership } from './group-ownership.ts';
import { encodeMemberUserData } from './member-user-data.ts';

interface InflightFetch {
  readonly positions: FetchPosition[];
  readonly result: Promise<FetchResult>;
}

/** OffsetFetch answers that mean "ask again shortly". */
const WAIT_FOR_OFFSETS = new Set([
  'UNSTABLE_OFFSET_COMMIT',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
]);

export interface GroupConsumerOptions {
  readonly groupId: string;
  /** Static membership (KIP-345): a restarted instance takes its old place without a rebalance. */
  readonly groupInstanceId?: string;
  /** A dead member is noticed after this long; short, so a crashed instance's work moves quickly. */
  readonly sessionTimeoutMs?: number;
  /** `host:port` of this instance's interactive queries, told to the group in the subscription. */
  readonly applicationServer?: string | null;
  /**
   * Task partitions whose state this instance holds on disk, asked at every join: the assignor
   * prefers them when a task must move (it restores only the tail there).
   */
  readonly localState?: () => readonly number[];
}

/** Kafka's name for the cooperative protocol: the client then revokes before it reassigns (KIP-429). */
const COOPERATIVE = 'cooperative-sticky';

/**
 * Group membership from the client (join, heartbeats, the co-partitioned assignor) with our own
 * fetch positions: the runtime needs exact control (pause while restoring, seek to the committed
 * offset after an abort), which the client's message stream does not give. Assignment changes
 * reach the listener in order, one at a time.
 */
export class KafkaGroupConsumer implements GroupConsumerPort {
  readonly consumer: Consumer;
  private readonly fetcher: Fetcher;
  private readonly settings: ClientSettings;
  private readonly options: GroupConsumerOptions;
  private readonly log: Logger;
  private readonly owned = new Map<string, TopicPartition>();
  private readonly ownership = new GroupOwnership();
  private readonly positions = new Map<string, bigint>();
  private readonly paused = new Set<string>();
  private events: Promise<void> = Promise.resolve();
  private listener: RebalanceListener | null = null;
  private pollGeneration: GroupMetadata | null = null;
  private prefetch: InflightFetch | null = null;
  private rejoining = false;
  private closed = false;

  constructor(settings: ClientSettings, options: GroupConsumerOptions, log: Logger) {
    this.settings = settings;
    this.options = options;
    this.log = log;
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.consumer = new Consumer({
      ...baseOptions(settings, 'consumer'),
      groupId: options.groupId,
      ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
      autocommit: false,
      sessionTimeout,
      // Rebalances only wait for members to rejoin; our members rejoin from the heartbeat thread
      // of the client, so a short bound keeps a scale-up or a crash from stalling the group.
      rebalanceTimeout: Math.max(sessionTimeout, 15_000),
      // Members learn that a rebalance started from a heartbeat answer. The cooperative protocol's
      // second round waits for every member to rejoin, and a member that lost nothing in the
      // first round only rejoins on its next heartbeat: at sessionTimeout/5 (2 s), every join and
      // leave stalled the moving tasks that long. Twice a second costs a local coordinator nothing.
      heartbeatInterval: Math.min(500, Math.floor(sessionTimeout / 5)),
      partitionAssigner: copartitionedAssignor,
      // Cooperative first; the plain protocol too, so a group still holding members of an older
      // version (a rolling upgrade) agrees on that one and rebalances in one round, as they do.
      // The assignment itself is always ours (copartitionedAssignor).
      protocols: [
        { name: COOPERATIVE, version: 3, metadata: Buffer.alloc(0) },
        { name: 'roundrobin', version: 1, metadata: Buffer.alloc(0) },
      ],
      // Asked at every join: what this member owns and holds now, for a sticky, state-aware plan.
      protocolsMetadata: () => this.userData(),
    });
    this.fetcher = new Fetcher(this.consumer, settings.clientId, connectionOptions(settings.security));
  }

  async subscribe(topics: readonly string[], listener: RebalanceListener): Promise<void> {
    this.listener = listener;
    this.consumer.topics.trackAll(...topics);
    this.consumer.on('consumer:group:join', (payload) => {
      const partitions = (payload.assignments ?? []).flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      );
      this.ownership.apply(partitions, payload.generationId ?? this.consumer.generationId, false);
      this.enqueue(() => this.onAssignment(partitions));
    });
    // The cooperative protocol's first round ends here, not in 'group:join': the client has taken
    // the partitions that move away out of its assignment and rejoins at once. Give them up now
    // (commit, close), while this generation still accepts our commit.
    this.consumer.on('consumer:group:rebalance', () => {
      const current = this.consumer.assignments;
      if (current === null || current === undefined) return;
      const partitions = current.flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      );
      // Compared with the assignment as it arrived, not with `owned`: the tasks may not have caught
      // up with the last assignment yet, and a revoke round missed here would leave us claiming
      // the moving partitions at the next join — the plan would withhold them again, for good.
      if (!this.ownership.takenAwayBy(partitions)) return;
      this.ownership.apply(partitions, this.consumer.generationId, true);
      this.enqueue(() => this.onAssignment(partitions));
    });
    // The client gives up its membership when a rejoin fails (the coordinator is away during a
    // broker restart): it emits 'error', schedules no more heartbeats, and the member is out of
    // the group for good — no assignment, nothing fetched, no error anywhere else. Rejoin ourselves.
    this.consumer.on('error', (error: unknown) => this.rejoinAfter('client error', error));
    this.consumer.on('consumer:heartbeat:stalled', (payload: { lastError?: unknown }) =>
      this.rejoinAfter('heartbeats stalled', payload?.lastError),
    );
    await wrap(
      'joinGroup',
      () => this.consumer.joinGroup({ partitionAssigner: copartitionedAssignor }),
      this.access('READ', topics),
    );
    await this.events;
  }

  /** Joins the group again, backing off until it works or the consumer closes. */
  private rejoinAfter(reason: string, cause: unknown): void {
    if (this.closed || this.rejoining) return;
    this.rejoining = true;
    this.log.warn({ reason, err: cause }, 'group membership lost; rejoining');
    void (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
        try {
          await this.consumer.joinGroup({ partitionAssigner: copartitionedAssignor });
          this.log.info({ attempt: attempt + 1 }, 'rejoined the group');
          break;
        } catch (error) {
          this.log.warn({ err: error, attempt: attempt + 1 }, 'rejoining the group failed; retrying');
        }
      }
      this.rejoining = false;
    })();
  }

  /**
   * Returns the records of one fetch round. Before returning, it sends the next round without a
   * wait (maxWait 0): under load, the broker answers with the next batch while the caller still
   * processes and commits this one (Kafka Streams' consumer fetches in the background the same
   * way), so the loop does not wait for the broker between batches. When that prefetch comes back
   * empty, a long poll follows, sent only now — after the caller's commit, so it sees the records
   * that commit made visible (a long poll sent before it would sit out its whole wait). Data of a
   * fetch whose partition was seeked, paused or revoked meanwhile is dropped.
   */
  async poll(maxWaitMs: number): Promise<ConsumedRecord[]> {
    await this.events;
    this.pollGeneration = this.currentGroupMetadata();
    const prefetched = this.prefetch;
    this.prefetch = null;
    if (prefetched) {
      const records = await this.collect(prefetched);
      if (records.length > 0) {
        this.startPrefetch();
        return records;
      }
    }
    const positions = this.fetchable();
    if (positions.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, maxWaitMs));
      return [];
    }
    const records = await this.collect(this.startFetch(positions, maxWaitMs));
    this.startPrefetch();
    return records;
  }

  /** Applies a finished fetch to the positions and returns its records that are still wanted. */
  private async collect(fetch: InflightFetch): Promise<ConsumedRecord[]> {
    const result = await fetch.result;
    const records: ConsumedRecord[] = [];
    const moved = new Set<string>();
    for (const position of fetch.positions) {
      const key = tpKey(position);
      // Seeked, paused or revoked while the fetch was in flight: its data is stale.
      if (this.positions.get(key) !== position.offset || !this.owned.has(key) || this.paused.has(key)) {
        moved.add(key);
        continue;
      }
      const next = result.next.get(key);
      if (next !== undefined) this.positions.set(key, next);
    }
    for (const record of result.records) if (!moved.has(tpKey(record))) records.push(record);
    for (const tp of result.outOfRange) {
      if (moved.has(tpKey(tp))) continue;
      this.log.warn({ partition: tpKey(tp) }, 'fetch position out of range; the runtime will rewind');
      this.positions.delete(tpKey(tp));
    }
    return records;
  }

  private startPrefetch(): void {
    if (this.closed) return;
    const positions = this.fetchable();
    if (positions.length > 0) this.prefetch = this.startFetch(positions, 0);
  }

  private fetchable(): FetchPosition[] {
    return [...this.owned]
      .filter(([key]) => !this.paused.has(key) && this.positions.has(key))
      .map(([key, tp]) => ({ ...tp, offset: this.positions.get(key) as bigint }));
  }

  private startFetch(positions: FetchPosition[], maxWaitMs: number): InflightFetch {
    const result = this.fetcher.fetch(positions, maxWaitMs);
    // Awaited by the next poll; until then a failure must not count as unhandled.
    result.catch(() => undefined);
    return { positions, result };
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(tpKey(tp));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp));
  }

  seek(partition: TopicPartition, offset: bigint): void {
    this.positions.set(tpKey(partition), offset);
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()];
  }

  position(partition: TopicPartition): bigint | undefined {
    return this.positions.get(tpKey(partition));
  }

  async commit(offsets: readonly OffsetToCommit[]): Promise<void> {
    await wrap(
      'commitOffsets',
      () => this.consumer.commit({ offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1 })) }),
      this.access('READ', [...new Set(offsets.map((o) => o.topic))]),
    );
  }

  /** Who we are to the broker and what a call needed: named when the broker refuses us. */
  private access(operation: 'READ', topics: readonly string[]): AccessContext {
    return {
      principal: principalName(this.settings.security),
      operation,
      topics,
      group: this.options.groupId,
    };
  }

  /**
   * Committed offsets, asked with requireStable (KIP-447): while another instance's transaction
   * that commits offsets for these partitions is still open, the broker answers "unstable" and we
   * wait, so a new owner never starts from an offset that is about to move.
   */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | null>> {
    const result = new Map<string, bigint | null>();
    if (partitions.length === 0) return result;
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const coordinator = await wrap('findGroupCoordinator', () => this.consumer.findGroupCoordinator());
      const metadata = await wrap('metadata', () => this.consumer.metadata({ topics: [...byTopic.keys()] }));
      const broker = metadata.brokers.get(coordinator);
      if (!broker) throw new KafkaClientError(`Group coordinator ${coordinator} is not in the metadata`);
      const connection = new Connection(
        `${this.settings.clientId}-offsets`,
        connectionOptions(this.settings.security),
      );
      // A socket error is reported to the pending request; unlistened, the emitter would throw.
      connection.on('error', () => undefined);
      let response;
      try {
        await connection.connect(broker.host, broker.port);
        response = await offsetFetchV9.api.async(
          connection,
          [
            {
              groupId: this.options.groupId,
              memberId: null,
              memberEpoch: -1,
              topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            },
          ],
          true,
        );
      } catch (error) {
        const names = brokerErrorNames(error);
        // UNSTABLE_OFFSET_COMMIT: another instance's transaction with these offsets is open;
        // the coordinator errors: it is loading or moved (a broker restart). All pass; wait.
        if (names.some((n) => WAIT_FOR_OFFSETS.has(n))) {
          if (Date.now() > deadline)
            throw new KafkaClientError(
              `Committed offsets stayed unavailable for 60 s [${names.join(', ')}]`,
              {
                cause: error,
              },
            );
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw new KafkaClientError(
          `Fetching committed offsets failed: ${(error as Error).message} [${names.join(', ')}]`,
          { cause: error, brokerErrors: names },
        );
      } finally {
        await connection.close().catch(() => undefined);
      }
      for (const group of response.groups) {
        for (const topic of group.topics) {
          for (const p of topic.partitions) {
            result.set(
              tpKey({ topic: topic.name, partition: p.partitionIndex }),
              p.committedOffset >= 0n ? p.committedOffset : null,
            );
          }
        }
      }
      return result;
    }
  }

  /**
   * The generation a transaction's offsets are committed with (KIP-447 fencing): the current one
   * when nobody else can have processed `partitions` since their records were polled (see
   * GroupOwnership.safeToCommit), else the generation of the poll — then, if the group moved on,
   * the coordinator refuses the commit and the transaction is aborted.
   */
  groupMetadata(partitions: readonly TopicPartition[] = []): GroupMetadata {
    const current = this.currentGroupMetadata();
    const polledIn = this.pollGeneration?.generationId ?? current.generationId;
    if (this.ownership.safeToCommit(partitions, polledIn, current.generationId)) return current;
    return this.pollGeneration ?? current;
  }

  /**
   * After the coordinator refused a commit's generation: the group is between JoinGroup and
   * SyncGroup (our generation is new, its assignment not here yet). Waits for the assignment, then
   * answers the generation to retry with, or null when the commit must fail (the rebalance took
   * partitions of this transaction from us).
   */
  async groupMetadataAfterRebalance(partitions: readonly TopicPartition[]): Promise<GroupMetadata | null> {
    // A SyncGroup waits for the leader's assignment: a few round trips, unless a member is slow.
    await this.ownership.settled(() => this.consumer.generationId, 5000);
    const current = this.currentGroupMetadata();
    const polledIn = this.pollGeneration?.generationId ?? current.generationId;
    return this.ownership.safeToCommit(partitions, polledIn, current.generationId) ? current : null;
  }

  /** What this member tells the assignor when it (re)joins. */
  private userData(): Buffer {
    return encodeMemberUserData({
      applicationServer: this.options.applicationServer ?? null,
      // The client's view, not the tasks': the first round of a cooperative rebalance already took
      // the moving partitions away, and the client rejoins before our tasks have closed them.
      owned: this.ownership.ownedPartitionNumbers(),
      ownedGeneration: this.ownership.generation,
      warm: this.options.localState?.() ?? [],
      cooperative: true,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.events.catch(() => undefined);
    await this.prefetch?.result.catch(() => undefined);
    this.prefetch = null;
    try {
      await this.consumer.leaveGroup();
    } catch (error) {
      this.log.warn({ err: error }, 'leaving the group failed');
    }
    await this.fetcher.close();
    await this.consumer.close(true).catch(() => undefined);
  }

  private currentGroupMetadata(): GroupMetadata {
    return {
      groupId: this.options.groupId,
      generationId: this.consumer.generationId,
      memberId: this.consumer.memberId ?? '',
      groupInstanceId: this.consumer.groupInstanceId,
    };
  }

  private enqueue(work: () => Promise<void>): void {
    this.events = this.events.then(work).catch((error: unknown) => {
      this.log.error({ err: error }, 'rebalance listener failed; the stream thread will reconcile its tasks');
    });
  }

  private async onAssignment(assigned: TopicPartition[]): Promise<void> {
    if (this.closed || !this.listener) return;
    const next = new Map(assigned.map((tp) => [tpKey(tp), tp]));
    const revoked = [...this.owned].filter(([key]) => !next.has(key)).map(([, tp]) => tp);
    const added = [...next].filter(([key]) => !this.owned.has(key)).map(([, tp]) => tp);
    // The assignment is recorded first, whatever the listener does: a listener that fails (the
    // broker is away while a task opens its stores) must not leave us fetching partitions we no
    // longer own, nor owning partitions nobody fetches, and the stream thread, which reconciles its
    // tasks to `assignment()` between the listener's turns of the lock, must not re-create a task
    // for a partition being revoked. The work a failed listener left undone is done there.
    for (const tp of revoked) {
      this.owned.delete(tpKey(tp));
      this.positions.delete(tpKey(tp));
      this.paused.delete(tpKey(tp));
    }
    for (const tp of added) this.owned.set(tpKey(tp), tp);
    if (revoked.length > 0) await this.listener.onRevoked(revoked);
    if (added.length > 0) await this.listener.onAssigned(added);
  }
}
