import { Producer, type Consumer } from '@platformatic/kafka';

type Transaction = NonNullable<Producer['transaction']>;
import { KafkaClientError } from '../../engine-common/errors.ts';
import type {
  GroupMetadata,
  OffsetToCommit,
  ProducedRecord,
  ProducerPort,
  TopicPartition,
} from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';
import { baseOptions, connectionOptions, type ClientSettings } from './client-options.ts';
import { toKafkaError, wrap, type AccessContext } from './errors.ts';
import { principalName } from '../security.ts';
import { splitForRequests } from './request-splitter.ts';
import { TransactionalOffsetCommitter } from './txn-offset-committer.ts';
import { useClientAddPartitionsToTxn } from './client-txn-api.ts';
import { HangingTransactions, type OpenTransaction } from './hanging-transactions.ts';
import { TransactionOutcomes } from './transaction-outcomes.ts';
import { LostCommits, planLostCommit } from './lost-commits.ts';

/** Where the consumer groups' committed offsets live: transactions add its partitions too. */
const OFFSETS_TOPIC = '__consumer_offsets';

const ACKS_ALL = -1;
/** The broker's default `message.max.bytes`: assumed for a topic until its own limit is known. */
const DEFAULT_MAX_BATCH_BYTES = 1_048_588;
/** Java's default `max.request.size`: one produce request carries at most this much. */
const MAX_REQUEST_BYTES = 1_048_576;
/** Batches are filled to this share of the limit: the size of a record is estimated, not encoded. */
const FILL = 0.9;

/** Looks up topics' `max.message.bytes` (the admin's describeConfigs). */

export type BatchLimitLookup = (topics: readonly string[]) => Promise<Map<string, number>>;

/**
 * The instance's one producer. Transactional (exactly-once): `begin`, `send`, `sendOffsets`
 * (KIP-447, fenced with the consumer group generation), `commit`/`abort`. Otherwise idempotent
 * (at-least-once and tools): `send` only.
 */
export class KafkaProducer implements ProducerPort {
  readonly transactional: boolean;
  private producer: Producer;
  private readonly createProducer: () => Producer;
  private readonly groupConsumer: () => Consumer | null;
  private transaction: Transaction | null = null;
  private readonly batchLimits = new Map<string, number>();
  private readonly lookupLimits: BatchLimitLookup | null;
  private readonly transactionalId: string | null;
  private readonly offsets: TransactionalOffsetCommitter;
  private readonly clientId: string;
  private readonly security: ClientSettings['security'];
  /** Who we are to the broker and our transactional id: named when the broker refuses us. */
  private readonly access: AccessContext;
  /** Topics our transactions write to: where a hanging transaction of ours can be. */
  private readonly writtenTopics: () => readonly string[];
  private readonly onHanging: (open: readonly OpenTransaction[], error: unknown) => void;
  private readonly onRewritten: (partitions: readonly TopicPartition[], records: number) => void;
  /** Committed writes an abort took with it (see lost-commits.ts): written again by `init()`. */
  private readonly lostCommits = new LostCommits();
  /** How our transactions ended, per epoch: the decision a hanging transaction must be given. */
  private readonly outcomes = new TransactionOutcomes();
  /** The current client producer has not been through InitProducerId (and the hanging check) yet. */
  private needsInit = true;
  /** The producer id and epoch of the producer `reset()` replaced: whose lost markers `init()` repairs first. */
  private lastIdentity: { producerId: bigint | undefined; epoch: number | undefined } = {
    producerId: undefined,
    epoch: undefined,
  };

  /**
   * `transactionalId`: stable per instance (`<application.id>-<instance.id>`), so a restarted
   * instance fences its zombie. `groupConsumer` gives the consumer whose group the offsets are
   * committed to (its coordinator is looked up by the client).
   */
  constructor(
    settings: ClientSettings,
    options: {
      transactionalId?: string;
      /** The coordinator aborts a transaction open longer than this (see StreamsConfig). */
      transactionTimeoutMs?: number;
      groupConsumer?: () => Consumer | null;
      batchLimits?: BatchLimitLookup;
      /** Topics the transactions write (outputs, changelogs, repartition, dead letters). */
      writtenTopics?: () => readonly string[];
      /** Told about hanging transactions found (and whether aborting them failed). */
      onHanging?: (open: readonly OpenTransaction[], error: unknown) => void;
      /** Told when committed writes an abort took with it were written again. */
      onRewritten?: (partitions: readonly TopicPartition[], records: number) => void;
    },
  ) {
    this.clientId = settings.clientId;
    this.security = settings.security;
    this.access = {
      principal: principalName(settings.security),
      ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
    };
    this.writtenTopics = options.writtenTopics ?? (() => []);
    this.onHanging = options.onHanging ?? (() => undefined);
    this.onRewritten = options.onRewritten ?? (() => undefined);
    this.transactional = options.transactionalId !== undefined;
    this.lookupLimits = options.batchLimits ?? null;
    this.transactionalId = options.transactionalId ?? null;
    this.offsets = new TransactionalOffsetCommitter(settings.clientId, connectionOptions(settings.security));
    this.groupConsumer = options.groupConsumer ?? (() => null);
    // Under an authorizer (a secured client), v5 of AddPartitionsToTxn is refused: see client-txn-api.ts.
    const secured = settings.security !== undefined && options.transactionalId !== undefined;
    this.createProducer = () => {
      const producer = new Producer({
        ...baseOptions(settings, 'producer'),
        idempotent: true,
        acks: ACKS_ALL,
        ...(options.transactionalId
          ? {
              transactionalId: options.transactionalId,
              // The client sends its request timeout as the transaction timeout in InitProducerId.
              ...(options.transactionTimeoutMs ? { timeout: options.transactionTimeoutMs } : {}),
            }
          : {}),
      });
      return secured ? useClientAddPartitionsToTxn(producer) : producer;
    };
    this.producer = this.createProducer();
  }

  /**
   * Replaces the client producer with a new one under the same transactional id. Its first
   * `begin()` sends InitProducerId as a new producer: the coordinator aborts whatever transaction
   * the old one left open, bumps the epoch and the sequence numbers start again from zero.
   */
  async reset(): Promise<void> {
    const old = this.producer;
    const transaction = this.transaction;
    this.transaction = null;
    // Whatever it was, it did not commit: the new producer's InitProducerId aborts it.
    if (transaction) this.outcomes.ended('failed');
    // A producer replaced before its InitProducerId went through (the broker was away) never had
    // an identity: the one before it is still the one whose leftovers must be repaired first.
    if (old.producerId !== undefined && old.producerEpoch !== undefined)
      this.lastIdentity = { producerId: old.producerId, epoch: old.producerEpoch };
    this.producer = this.createProducer();
    this.needsInit = true;
    // Not awaited: with the broker away, closing the old client can wait on requests that never
    // end, and the new producer's InitProducerId fences the old one whatever it still does.
    void (async () => {
      if (transaction && !transaction.completed) await transaction.cancel().catch(() => undefined);
      await old.close(true).catch(() => undefined);
    })();
    await this.init();
  }

  /**
   * InitProducerId now rather than at the first begin(): it aborts whatever transaction an earlier
   * producer with our transactional id left open (a killed process, or the producer reset()
   * replaced). Until then that transaction's offset commit stays pending, the committed offsets
   * read "unstable", and tasks waiting for them before their first transaction would wait until
   * the coordinator timed it out.
   */
  async init(): Promise<void> {
    if (!this.transactional) return;
    await this.commitLostMarkers();
    // The client sends InitProducerId for the transactional id only when a transaction begins
    // (its initIdempotentProducer() outside one asks for a plain idempotent id, which fences
    // nothing): begin one and drop it at once. Nothing was sent in it; the next begin() reuses
    // the id and epoch obtained here.
    const transaction = await wrap(
      'initProducerId',
      () => this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 }),
      this.access,
    );
    await transaction.cancel();
    await this.endHangingTransactions();
    this.needsInit = false;
    await this.rewriteLostCommits();
  }

  /**
   * Initialises the producer if a `reset()` or an abort left that to do (see `init()`), so that
   * what the repairs of lost markers commit, abort and write again is settled before anyone reads
   * the changelogs' stable ends: tasks restore only after this.
   */
  async ready(): Promise<void> {
    if (this.transactional && (this.needsInit || this.lostCommits.size > 0)) await this.init();
  }

  /**
   * Writes again, in a transaction of their own, the committed writes an abort took with it (plan
   * `rewrite` in lost-commits.ts). Only once no transaction of ours is open in their partitions any
   * more (the abort has landed there), or the new records would join it. Kept until committed.
   */
  private async rewriteLostCommits(): Promise<void> {
    if (this.lostCommits.size === 0) return;
    const partitions = this.lostCommits.partitions();
    const producerId = this.producer.producerId;
    const epoch = this.producer.producerEpoch;
    if (producerId === undefined || epoch === undefined) return;
    const hanging = new HangingTransactions(this.producer, this.clientId, connectionOptions(this.security));
    // Inclusive: an explicit abort at this very epoch may have lost its markers too.
    const open = await hanging.find([...new Set(partitions.map((p) => p.topic))], producerId, epoch, {
      inclusive: true,
      strict: true,
    });
    const stillOpen = open.filter((o) => partitions.some((p) => tpKey(p) === tpKey(o)));
    if (stillOpen.length > 0) {
      this.needsInit = true;
      throw new KafkaClientError(
        `cannot write lost commits again yet: ${stillOpen.map(tpKey).join(', ')} still hold our aborted transaction open`,
      );
    }
    const records = this.lostCommits.records();
    try {
      await this.begin();
      await this.send(records);
      await this.commit();
    } catch (error) {
      await this.abort().catch(() => undefined);
      this.needsInit = true;
      throw error;
    }
    this.lostCommits.clear();
    this.onRewritten(partitions, records.length);
  }

  /**
   * Before an abort (InitProducerId aborts what the old producer had begun): data of our committed
   * transactions that a partition still holds open (the only broker skipped their markers while
   * stopping) must not be closed by the ABORT marker — a committed order status whose stock
   * release vanished. Each such partition gets a plan (lost-commits.ts): its COMMIT marker now, or,
   * when the failed transaction's writes follow in the same open transaction, the committed writes
   * are read back to be written again after the abort. Nothing is left to chance: a partition
   * without a leader, or any request failing, fails the repair, and the caller does not abort.
   */
  private async commitLostMarkers(
    producerId: bigint | undefined = this.lastIdentity.producerId,
    epoch: number | undefined = this.lastIdentity.epoch,
  ): Promise<void> {
    if (producerId === undefined || epoch === undefined) return;
    const topics = [...new Set(this.writtenTopics())];
    const hanging = new HangingTransactions(this.producer, this.clientId, connectionOptions(this.security));
    const proven: OpenTransaction[] = [];
    try {
      const open = (await hanging.find(topics, producerId, epoch, { inclusive: true, strict: true })).filter(
        (o) => o.producerId === producerId,
      );
      if (open.length === 0) return;
      const ends = await hanging.endOffsets(open);
      for (const o of open) {
        const logEnd = ends.get(tpKey(o));
        if (logEnd === undefined) throw new KafkaClientError(`no log end offset for ${tpKey(o)}`);
        const plan = await planLostCommit(
          this.outcomes.committedRunEnd(o.producerId, o.producerEpoch, o, o.startOffset),
          logEnd,
          async (from, to) => (await hanging.ownRecords(o, from, to, o.producerId)).length > 0,
        );
        if (plan.action === 'commit') proven.push(o);
        if (plan.action === 'rewrite')
          this.lostCommits.keep(
            await hanging.ownRecords(o, o.startOffset, plan.committedEnd + 1n, o.producerId),
          );
      }
      if (proven.length === 0) return;
      await hanging.end(proven, () => 'commit');
      this.onHanging(
        proven.map((o) => ({ ...o, decision: 'commit' as const })),
        null,
      );
    } catch (error) {
      this.onHanging(proven, error);
      // Without the repair, the abort could close committed data with its marker: wait for the
      // broker (the caller retries with backoff). A principal without the rights
      // (DescribeProducers, WriteTxnMarkers need cluster rights) cannot repair at all: go on.
      const denied =
        error instanceof KafkaClientError &&
        (error.recovery === 'fatal' || error.brokerErrors.some((e) => e.endsWith('_AUTHORIZATION_FAILED')));
      if (!denied) throw error;
    }
  }

  /**
   * After InitProducerId every transaction of ours at an older epoch is over for the coordinator;
   * one a partition still holds open lost its markers (see hanging-transactions.ts). End it as its
   * coordinator decided (transaction-outcomes.ts), or the partition's last stable offset, our
   * committed offsets and every read_committed reader of it wait for ever. A failure here is reported, not thrown: the next re-initialisation retries.
   */
  private async endHangingTransactions(): Promise<void> {
    const producerId = this.producer.producerId;
    const epoch = this.producer.producerEpoch;
    if (producerId === undefined || epoch === undefined) return;
    const topics = [...new Set([...this.writtenTopics(), OFFSETS_TOPIC])];
    const hanging = new HangingTransactions(this.producer, this.clientId, connectionOptions(this.security));
    let open: OpenTransaction[] = [];
    try {
      open = await hanging.find(topics, producerId, epoch);
      if (open.length === 0) return;
      const decided = open.map((o) => ({
        ...o,
        decision: this.outcomes.decision(o.producerId, o.producerEpoch, o, o.topic === OFFSETS_TOPIC),
      }));
      await hanging.end(decided, (o) => o.decision ?? 'abort');
      open = decided;
      this.onHanging(decided, null);
    } catch (error) {
      this.onHanging(open, error);
    }
  }

  async begin(): Promise<void> {
    this.requireTransactional('begin');
    if (this.transaction) throw new KafkaClientError('begin() while a transaction is open');
    // A fresh producer must say "no producer id yet" (-1/-1): the client's default of 0/0 reads to
    // the coordinator as a stale epoch of another producer and is answered PRODUCER_FENCED.
    // Always "no producer id yet" (-1/-1): the client re-initialises only when it has not yet done
    // so for this transactional id (also after init() below), and its default of 0/0 reads to the
    // coordinator as a stale epoch of another producer and is answered PRODUCER_FENCED.
    const fresh = { producerId: -1n, producerEpoch: -1 };
    // A producer whose InitProducerId failed (the broker was away during reset) initialises here,
    // not implicitly in the client, so the hanging-transaction check is never skipped.
    if (this.needsInit) await this.init();
    this.transaction = await wrap(
      'beginTransaction',
      () => this.producer.beginTransaction(fresh),
      this.access,
    );
    const { producerId, producerEpoch } = this.producer;
    if (producerId !== undefined && producerEpoch !== undefined)
      this.outcomes.begin(producerId, producerEpoch);
  }

  /**
   * Sends in as many produce requests as the topics' batch limits need (see request-splitter.ts),
   * one after the other so each partition keeps its order.
   */
  async send(records: readonly ProducedRecord[]): Promise<Map<string, bigint>> {
    if (records.length === 0) return new Map();
    await this.learnLimits(records);
    const chunks = splitForRequests(records, {
      maxBatchBytes: (topic) => Math.floor((this.batchLimits.get(topic) ?? DEFAULT_MAX_BATCH_BYTES) * FILL),
      maxRequestBytes: MAX_REQUEST_BYTES,
    });
    if (chunks.length === 1) return this.sendRequest(records);
    const last = new Map<string, bigint>();
    for (const chunk of chunks)
      for (const [tp, offset] of await this.sendRequest(chunk)) last.set(tp, offset);
    return last;
  }

  private async learnLimits(records: readonly ProducedRecord[]): Promise<void> {
    if (!this.lookupLimits) return;
    const unknown = [...new Set(records.map((r) => r.topic))].filter((t) => !this.batchLimits.has(t));
    if (unknown.length === 0) return;
    // A principal allowed to write but not to read topic configs (DESCRIBE_CONFIGS) keeps the
    // default limit; a principal not allowed to write is told so by the send itself, with WRITE.
    const limits = await this.lookupLimits(unknown).catch((error: unknown) => {
      if (error instanceof KafkaClientError && error.brokerErrors.includes('TOPIC_AUTHORIZATION_FAILED'))
        return new Map<string, number>();
      throw error;
    });
    for (const [topic, limit] of limits) this.batchLimits.set(topic, limit);
    // Topics the broker did not describe keep the default, and are not asked about again.
    for (const topic of unknown)
      if (!this.batchLimits.has(topic)) this.batchLimits.set(topic, DEFAULT_MAX_BATCH_BYTES);
  }

  private async sendRequest(records: readonly ProducedRecord[]): Promise<Map<string, bigint>> {
    const messages = records.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      key: r.key ?? undefined,
      value: r.value ?? undefined,
      timestamp: BigInt(r.timestamp),
      headers: new Map([...r.headers].map(([k, v]) => [Buffer.from(k, 'utf8'), v] as [Buffer, Buffer])),
    }));
    const transaction = this.transaction;
    if (transaction) this.outcomes.wrote(records);
    const access: AccessContext = {
      ...this.access,
      operation: 'WRITE',
      topics: [...new Set(records.map((r) => r.topic))],
    };
    const result = transaction
      ? await wrap('send', () => transaction.send({ messages }), access)
      : await wrap('send', () => this.producer.send({ messages }), access);
    const landed = landedRanges(records, result.offsets ?? []);
    if (transaction) for (const w of landed) this.outcomes.landed(w, w.first, w.last);
    return new Map(landed.map((w) => [tpKey(w), w.last]));
  }

  async sendOffsets(
    offsets: readonly OffsetToCommit[],
    group: GroupMetadata,
    retryWith?: () => Promise<GroupMetadata | null>,
  ): Promise<void> {
    const transaction = this.requireTransaction('sendOffsets');
    const consumer = this.groupConsumer();
    if (!consumer) throw new KafkaClientError('sendOffsets needs the group consumer');
    this.outcomes.wroteOffsets();
    await wrap('addOffsetsToTransaction', () => transaction.addConsumer(consumer), {
      ...this.access,
      group: group.groupId,
    });
    const producerId = this.producer.producerId;
    const producerEpoch = this.producer.producerEpoch;
    if (producerId === undefined || producerEpoch === undefined || !this.transactionalId)
      throw new KafkaClientError('sendOffsets before the producer has an id');
    await this.offsets.commit(
      consumer,
      { transactionalId: this.transactionalId, producerId, producerEpoch },
      group,
      offsets,
      retryWith,
    );
  }

  async commit(): Promise<void> {
    const transaction = this.requireTransaction('commit');
    try {
      await transaction.commit();
      this.outcomes.ended('committed');
    } catch (error) {
      this.outcomes.ended('failed');
      throw toKafkaError('commitTransaction', error, this.access);
    } finally {
      if (transaction.completed) this.transaction = null;
    }
  }

  async abort(): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) return;
    this.outcomes.ended('aborted');
    try {
      // An explicit abort writes ABORT markers as InitProducerId's does: committed data whose
      // markers were lost must get its COMMIT first (see commitLostMarkers). When that cannot be
      // done now, no abort is sent: the next InitProducerId aborts this transaction, after the repair.
      if (!transaction.completed) {
        await this.commitLostMarkers(this.producer.producerId, this.producer.producerEpoch);
        await transaction.abort();
        // Committed writes the abort took with it are written again before anything else.
        if (this.lostCommits.size > 0) this.needsInit = true;
      }
    } catch (error) {
      // The broker aborts an unfinished transaction itself when this producer (or its successor)
      // re-initialises; a failed explicit abort is not fatal.
      await transaction.cancel().catch(() => undefined);
      throw toKafkaError('abortTransaction', error);
    } finally {
      this.transaction = null;
    }
  }

  async close(): Promise<void> {
    await this.abort().catch(() => undefined);
    // Committed writes an abort took must be written again before the producer goes.
    if (this.lostCommits.size > 0) await this.init().catch((error: unknown) => this.onHanging([], error));
    await this.producer.close().catch(() => undefined);
    await this.offsets.close();
  }

  private requireTransactional(operation: string): void {
    if (!this.transactional) throw new KafkaClientError(`${operation}() needs a transactional producer`);
  }

  private requireTransaction(operation: string): Transaction {
    this.requireTransactional(operation);
    if (!this.transaction) throw new KafkaClientError(`${operation}() outside a transaction`);
    return this.transaction;
  }
}

/**
 * The offsets each partition's records of one produce request took: the client reports the base
 * offset per partition, and records of one partition in one send land contiguously.
 */
function landedRanges(
  records: readonly ProducedRecord[],
  written: readonly { topic: string; partition: number; offset: bigint }[],
): (TopicPartition & { first: bigint; last: bigint })[] {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(tpKey(r), (counts.get(tpKey(r)) ?? 0) + 1);
  return written.map((w) => ({
    topic: w.topic,
    partition: w.partition,
    first: w.offset,
    last: w.offset + BigInt((counts.get(tpKey(w)) ?? 1) - 1),
  }));
}
