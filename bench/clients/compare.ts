/**
 * Kafka client comparison: @platformatic/kafka (the engine's client) against kafkajs and
 * node-rdkafka (librdkafka) on one broker — produce throughput, consume throughput and
 * transactional produce. See README.md beside this file for the install/build steps and for
 * exactly what is measured.
 *
 *   node bench/clients/compare.ts [--messages 200000] [--size 256]
 *        [--clients platformatic,kafkajs,rdkafka] [--scenarios produce,consume,txn-produce] [--json]
 *
 * Every (client, scenario) pair runs on its own fresh topic, one pair after the other, each in a
 * fresh child process (so one client's JIT/GC state, sockets or native threads never leak into
 * another's measurement). Run with Node 24 (type stripping): only erasable TypeScript here.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// Resolved by Node's normal lookup: bench/clients/node_modules has no copy, so this is the root
// project's own @platformatic/kafka (/work/main/node_modules), i.e. exactly the engine's version.
import {
  Admin,
  Consumer as PkConsumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  Producer as PkProducer,
} from '@platformatic/kafka';

const require = createRequire(import.meta.url);
const here = import.meta.dirname;

// ---------------------------------------------------------------------------------------------
// Options

const CLIENTS = ['platformatic', 'kafkajs', 'rdkafka'] as const;
type ClientName = (typeof CLIENTS)[number];
const SCENARIOS = ['produce', 'consume', 'txn-produce'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

interface Config {
  broker: string;
  messages: number;
  size: number;
  partitions: number;
  /** Messages per send() call (platformatic, kafkajs); capped so one partition's batch stays < 900 kB. */
  batch: number;
  /** send() calls outstanding at once (platformatic, kafkajs; each client serialises them itself). */
  inflight: number;
  txnSize: number;
  /** Messages asked for per node-rdkafka consume(n) call. */
  rdkafkaConsumeBatch: number;
  seed: 'plain' | 'txn';
  /** Retry back-off of the two JavaScript clients (librdkafka keeps its own defaults). */
  retry: 'tuned' | 'default';
  timeoutSeconds: number;
  keepTopics: boolean;
  inProcess: boolean;
  json: boolean;
  out: string;
  clients: ClientName[];
  scenarios: ScenarioName[];
}

const HELP = `Kafka client comparison benchmark: @platformatic/kafka vs kafkajs vs node-rdkafka.

Usage: node bench/clients/compare.ts [options]

  --messages N        messages per measurement                      [200000]
  --size BYTES        value size of each message                    [256]
  --clients LIST      comma list of platformatic,kafkajs,rdkafka   [all three]
  --scenarios LIST    comma list of produce,consume,txn-produce    [all three]
  --json              print the raw results as JSON on stdout (the markdown table then goes to stderr)
  --broker HOST:PORT  bootstrap broker            [$KAFKA_BOOTSTRAP or 127.0.0.1:19092]
  --partitions N      partitions of each fresh topic                [3]
  --batch N           messages per send() call, platformatic and kafkajs
                      (capped so one partition's share stays under 900 kB)   [1000]
  --inflight N        send() calls kept outstanding, platformatic and kafkajs [4]
  --txn-size N        messages per transaction in txn-produce       [1000]
  --rdkafka-consume-batch N  messages per node-rdkafka consume(n) call [1000]
  --seed plain|txn    how the consume topic is filled beforehand (by @platformatic/kafka,
                      untimed): idempotent sends, or transactions of --txn-size [plain]
  --retry tuned|default  retry back-off of the JavaScript clients. tuned: @platformatic/kafka
                      with the engine's settings (10 ms doubling to 1 s, runtime/kafka/
                      client-options.ts) and kafkajs alike (initialRetryTime 10 ms);
                      default: each client's own (platformatic flat 1000 ms, kafkajs 300 ms).
                      Matters for txn-produce: a new transaction often meets the previous
                      one's markers still being written (CONCURRENT_TRANSACTIONS) and retries.
                      librdkafka always keeps its defaults.              [tuned]
  --timeout SECONDS   limit for one measurement                    [600]
  --keep-topics       do not delete the topics afterwards
  --in-process        run every measurement in this process (default: one child process each)
  --out DIR           where latest.json and latest.md are written   [bench/clients/results]
  --help              this text

Progress goes to stderr. Results: <out>/latest.json and <out>/latest.md.
`;

function parseConfig(argv: string[]): Config | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', default: false },
      messages: { type: 'string', default: '200000' },
      size: { type: 'string', default: '256' },
      clients: { type: 'string', default: CLIENTS.join(',') },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      json: { type: 'boolean', default: false },
      broker: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
      partitions: { type: 'string', default: '3' },
      batch: { type: 'string', default: '1000' },
      inflight: { type: 'string', default: '4' },
      'txn-size': { type: 'string', default: '1000' },
      'rdkafka-consume-batch': { type: 'string', default: '1000' },
      seed: { type: 'string', default: 'plain' },
      retry: { type: 'string', default: 'tuned' },
      timeout: { type: 'string', default: '600' },
      'keep-topics': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      out: { type: 'string', default: join(here, 'results') },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} must be an integer >= ${min}, got ${text}`);
    return n;
  };
  if (values.seed !== 'plain' && values.seed !== 'txn') throw new UsageError('--seed must be plain or txn');
  if (values.retry !== 'tuned' && values.retry !== 'default')
    throw new UsageError('--retry must be tuned or default');
  return {
    broker: values.broker,
    messages: int('messages', values.messages, 1),
    size: int('size', values.size, 1),
    partitions: int('partitions', values.partitions, 1),
    batch: int('batch', values.batch, 1),
    inflight: int('inflight', values.inflight, 1),
    txnSize: int('txn-size', values['txn-size'], 1),
    rdkafkaConsumeBatch: int('rdkafka-consume-batch', values['rdkafka-consume-batch'], 1),
    seed: values.seed,
    retry: values.retry,
    timeoutSeconds: int('timeout', values.timeout, 1),
    keepTopics: values['keep-topics'],
    inProcess: values['in-process'],
    json: values.json,
    out: values.out,
    clients: parseList(values.clients, CLIENTS, 'client'),
    scenarios: parseList(values.scenarios, SCENARIOS, 'scenario'),
  };
}

function parseList<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const item of items)
    if (!(allowed as readonly string[]).includes(item))
      throw new UsageError(`unknown ${what} "${item}" (known: ${allowed.join(', ')})`);
  if (items.length === 0) throw new UsageError(`no ${what} given`);
  return [...new Set(items)] as T[];
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const log = (line: string) => process.stderr.write(`[clients-bench] ${line}\n`);
const now = () => performance.now();

/** A value of `size` random bytes, the same Buffer for every message (each client copies it). */
const payload = (size: number) => randomBytes(size);
/** Message i: key "k<i>", explicit partition i % partitions (the same layout for every client). */
const keyOf = (i: number) => Buffer.from(`k${i}`);

/**
 * Messages per send() call for the array-sending clients: --batch, but small enough that one
 * partition's share of a request (batch / partitions records) stays under 900 kB, below the
 * broker's default message.max.bytes (1 MB).
 */
function sendBatch(cfg: Config): number {
  const perRecord = cfg.size + 32;
  const cap = Math.max(1, Math.floor((900_000 / perRecord) * cfg.partitions));
  return Math.max(1, Math.min(cfg.batch, cap));
}

/** Runs run(from, to) over [0, total) in chunks, chunks issued in order, at most `inflight` at once. */
async function windowed(
  total: number,
  chunk: number,
  inflight: number,
  run: (from: number, to: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const from = next;
      const to = Math.min(total, from + chunk);
      next = to;
      await run(from, to);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

/** Replaces the progress label while the parent seeds a topic. */
let progressTag: string | null = null;

/** Reports progress every tenth of the total, to stderr. */
function progressReporter(name: string, total: number): (done: number) => void {
  const label = progressTag ?? name;
  const step = Math.max(1, Math.ceil(total / 10));
  let nextAt = step;
  return (done: number) => {
    if (done < nextAt && done < total) return;
    while (nextAt <= done) nextAt += step;
    log(`  ${label}: ${done}/${total}`);
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What one measurement reports. */
interface Measurement {
  /** Messages counted (acknowledged, committed or consumed). */
  messages: number;
  /** Timed span in seconds (see README.md: first send → last ack; assignment → last message). */
  seconds: number;
  /** Untimed set-up before the timed span: connect/init, or consumer group join until assignment. */
  startupMs: number;
  /** The client settings used, in words. */
  settings: string;
}

type Run = (cfg: Config, topic: string, id: string) => Promise<Measurement>;

/**
 * @platformatic/kafka base options. `--retry tuned` (default) uses the engine's own settings
 * (runtime/kafka/client-options.ts): retries back off exponentially from 10 ms. The client's
 * default is a flat 1000 ms, which a transaction that meets the previous commit's markers still
 * being written (CONCURRENT_TRANSACTIONS, retried) pays in full: `--retry default` shows that.
 */
const pkBase = (cfg: Config, clientId: string) => ({
  clientId,
  bootstrapBrokers: cfg.broker.split(',').map((s) => s.trim()),
  timeout: 30_000,
  ...(cfg.retry === 'tuned'
    ? {
        retries: 15,
        retryDelay: (_client: unknown, _operation: string, attempt: number) =>
          Math.min(1000, 10 * 2 ** Math.max(0, attempt - 1)),
      }
    : {}),
});

const pkRetryWords = (cfg: Config) =>
  cfg.retry === 'tuned'
    ? "the engine's retry settings (15 retries, 10 ms doubling to 1 s)"
    : 'client default retries (flat 1000 ms delay)';

/** kafkajs retries: the same short back-off under `--retry tuned`, else its defaults (300 ms initial, 5 retries). */
const kafkajsRetry = (cfg: Config) =>
  cfg.retry === 'tuned' ? { retry: { initialRetryTime: 10, maxRetryTime: 1000, retries: 15 } } : {};

const kafkajsRetryWords = (cfg: Config) =>
  cfg.retry === 'tuned'
    ? 'retry initialRetryTime 10 ms, maxRetryTime 1 s, 15 retries'
    : 'client default retries (initialRetryTime 300 ms)';

// ---------------------------------------------------------------------------------------------
// @platformatic/kafka

const READ_COMMITTED = FetchIsolationLevels.READ_COMMITTED;

const platformatic: Record<ScenarioName, Run> = {
  async produce(cfg, topic, id) {
    const t0 = now();
    const producer = new PkProducer({ ...pkBase(cfg, id), idempotent: true, acks: -1 });
    try {
      await producer.metadata({ topics: [topic] });
      await producer.initIdempotentProducer({});
      const value = payload(cfg.size);
      const batch = sendBatch(cfg);
      const progress = progressReporter('platformatic produce', cfg.messages);
      let acked = 0;
      const start = now();
      await windowed(cfg.messages, batch, cfg.inflight, async (from, to) => {
        const messages = [];
        for (let i = from; i < to; i++)
          messages.push({ topic, partition: i % cfg.partitions, key: keyOf(i), value });
        await producer.send({ messages });
        acked += to - from;
        progress(acked);
      });
      const end = now();
      return {
        messages: acked,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `idempotent, acks=all (maxInflights=1, forced by idempotence), send() of ${batch}-message arrays, ${cfg.inflight} send() calls outstanding, ${pkRetryWords(cfg)}`,
      };
    } finally {
      await producer.close(true).catch(() => undefined);
    }
  },

  async consume(cfg, topic, id) {
    const consumer = new PkConsumer({ ...pkBase(cfg, id), groupId: `${id}-group` });
    const t0 = now();
    let joinedAt: number | null = null;
    consumer.on('consumer:group:join', () => {
      joinedAt ??= now();
    });
    try {
      const stream = await consumer.consume({
        topics: [topic],
        mode: 'earliest',
        autocommit: false,
        isolationLevel: READ_COMMITTED,
      });
      const progress = progressReporter('platformatic consume', cfg.messages);
      let count = 0;
      let firstAt = 0;
      let lastAt = 0;
      await new Promise<void>((resolve, reject) => {
        stream.on('data', () => {
          if (count === 0) firstAt = now();
          count++;
          if ((count & 1023) === 0) progress(count);
          if (count === cfg.messages) {
            lastAt = now();
            progress(count);
            resolve();
          }
        });
        stream.on('error', reject);
      });
      const start = joinedAt ?? firstAt;
      await stream.close().catch(() => undefined);
      return {
        messages: count,
        seconds: (lastAt - start) / 1000,
        startupMs: start - t0,
        settings: `group consumer, consume() stream (mode earliest, autocommit off, read_committed, client defaults: maxBytes 50 MB, maxWaitTime 5 s, highWaterMark 1024), 'data' events, ${pkRetryWords(cfg)}`,
      };
    } finally {
      await consumer.close(true).catch(() => undefined);
    }
  },

  async 'txn-produce'(cfg, topic, id) {
    const t0 = now();
    const producer = new PkProducer({
      ...pkBase(cfg, id),
      idempotent: true,
      acks: -1,
      transactionalId: `${id}-txn`,
    });
    try {
      await producer.metadata({ topics: [topic] });
      const value = payload(cfg.size);
      const batch = Math.min(sendBatch(cfg), cfg.txnSize);
      const progress = progressReporter('platformatic txn-produce', cfg.messages);
      let committed = 0;
      // The first begin finds the coordinator and sends InitProducerId; it is left out of the
      // timed span, as kafkajs' connect() and librdkafka's initTransactions() are. A fresh
      // producer must ask for a new producer id (-1/-1), as the engine does.
      let txn = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      const start = now();
      for (let from = 0; from < cfg.messages; from += cfg.txnSize) {
        const to = Math.min(cfg.messages, from + cfg.txnSize);
        if (from > 0) txn = await producer.beginTransaction();
        for (let f = from; f < to; f += batch) {
          const messages = [];
          for (let i = f; i < Math.min(to, f + batch); i++)
            messages.push({ topic, partition: i % cfg.partitions, key: keyOf(i), value });
          await txn.send({ messages });
        }
        await txn.commit();
        committed = to;
        progress(committed);
      }
      const end = now();
      return {
        messages: committed,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `transactional (idempotent, acks=all), ${cfg.txnSize} messages per transaction sent as ${batch}-message send() calls, commit awaited before the next begin (the first begin, with InitProducerId, untimed), ${pkRetryWords(cfg)}`,
      };
    } finally {
      await producer.close(true).catch(() => undefined);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// kafkajs

type KafkaJsModule = typeof import('kafkajs');

function kafkajsClient(cfg: Config, id: string) {
  const kafkajs = require('kafkajs') as KafkaJsModule;
  const kafka = new kafkajs.Kafka({
    clientId: id,
    brokers: cfg.broker.split(',').map((s) => s.trim()),
    logLevel: kafkajs.logLevel.WARN,
    ...kafkajsRetry(cfg),
    // kafkajs logs to stdout by default; stdout is kept for the result table.
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      process.stderr.write(`[kafkajs ${entry.namespace}] ${message} ${JSON.stringify(extra)}\n`);
    },
  });
  return { kafkajs, kafka };
}

const kafkajs: Record<ScenarioName, Run> = {
  async produce(cfg, topic, id) {
    const t0 = now();
    const { kafkajs: lib, kafka } = kafkajsClient(cfg, id);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: lib.Partitioners.DefaultPartitioner,
    });
    await producer.connect(); // InitProducerId happens here for an idempotent producer
    try {
      const value = payload(cfg.size);
      const batch = sendBatch(cfg);
      const progress = progressReporter('kafkajs produce', cfg.messages);
      let acked = 0;
      const start = now();
      await windowed(cfg.messages, batch, cfg.inflight, async (from, to) => {
        const messages = [];
        for (let i = from; i < to; i++)
          messages.push({ partition: i % cfg.partitions, key: keyOf(i), value });
        await producer.send({ topic, acks: -1, messages });
        acked += to - from;
        progress(acked);
      });
      const end = now();
      return {
        messages: acked,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `idempotent, acks=all, maxInFlightRequests=1, send() of ${batch}-message arrays, ${cfg.inflight} send() calls outstanding (kafkajs serialises them per broker), ${kafkajsRetryWords(cfg)}`,
      };
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  },

  async consume(cfg, topic, id) {
    const t0 = now();
    const { kafka } = kafkajsClient(cfg, id);
    const consumer = kafka.consumer({ groupId: `${id}-group`, readUncommitted: false });
    let joinedAt: number | null = null;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joinedAt ??= now();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const progress = progressReporter('kafkajs consume', cfg.messages);
      let count = 0;
      let firstAt = 0;
      let lastAt = 0;
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            partitionsConsumedConcurrently: cfg.partitions,
            eachBatch: async ({ batch }) => {
              if (count === 0 && batch.messages.length > 0) firstAt = now();
              count += batch.messages.length;
              progress(count);
              if (count >= cfg.messages && lastAt === 0) {
                lastAt = now();
                resolve();
              }
            },
          })
          .catch(reject);
        consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      });
      const start = joinedAt ?? firstAt;
      return {
        messages: count,
        seconds: (lastAt - start) / 1000,
        startupMs: start - t0,
        settings: `group consumer, run() with eachBatch (read_committed, autoCommit off, partitionsConsumedConcurrently=${cfg.partitions}, client defaults: maxBytes 10 MB, maxBytesPerPartition 1 MB, maxWaitTimeInMs 5 s), ${kafkajsRetryWords(cfg)}`,
      };
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  },

  async 'txn-produce'(cfg, topic, id) {
    const t0 = now();
    const { kafkajs: lib, kafka } = kafkajsClient(cfg, id);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `${id}-txn`,
      createPartitioner: lib.Partitioners.DefaultPartitioner,
    });
    await producer.connect(); // InitProducerId happens here for a transactional producer
    try {
      const value = payload(cfg.size);
      const batch = Math.min(sendBatch(cfg), cfg.txnSize);
      const progress = progressReporter('kafkajs txn-produce', cfg.messages);
      let committed = 0;
      const start = now();
      for (let from = 0; from < cfg.messages; from += cfg.txnSize) {
        const to = Math.min(cfg.messages, from + cfg.txnSize);
        const txn = await producer.transaction();
        try {
          for (let f = from; f < to; f += batch) {
            const messages = [];
            for (let i = f; i < Math.min(to, f + batch); i++)
              messages.push({ partition: i % cfg.partitions, key: keyOf(i), value });
            await txn.send({ topic, acks: -1, messages });
          }
          await txn.commit();
        } catch (error) {
          await txn.abort().catch(() => undefined);
          throw error;
        }
        committed = to;
        progress(committed);
      }
      const end = now();
      return {
        messages: committed,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `transactional (idempotent, acks=all, maxInFlightRequests=1), ${cfg.txnSize} messages per transaction sent as ${batch}-message send() calls, commit awaited before the next transaction (InitProducerId in connect(), untimed), ${kafkajsRetryWords(cfg)}`,
      };
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// node-rdkafka (CommonJS, native: loaded with createRequire)

type RdKafkaModule = typeof import('node-rdkafka');
type RdProducer = InstanceType<RdKafkaModule['Producer']>;
type RdConsumer = InstanceType<RdKafkaModule['KafkaConsumer']>;

const loadRdkafka = () => require('node-rdkafka') as RdKafkaModule;

const rdProducerConfig = (cfg: Config, id: string): import('node-rdkafka').ProducerGlobalConfig => ({
  'bootstrap.servers': cfg.broker,
  'client.id': id,
  'enable.idempotence': true,
  'linger.ms': 5,
  'batch.num.messages': 10_000,
  'batch.size': 1_000_000,
  'queue.buffering.max.messages': 500_000,
  'queue.buffering.max.kbytes': 1_048_576,
  'compression.codec': 'none',
});

/** acks is a topic-level property in librdkafka (idempotence would force it to all anyway). */
const RD_TOPIC_CONFIG: import('node-rdkafka').ProducerTopicConfig = { 'request.required.acks': -1 };

const RD_PRODUCER_SETTINGS =
  'enable.idempotence=true, acks=-1 (all), linger.ms=5, batch.num.messages=10000, batch.size=1000000, queue.buffering.max.messages=500000, queue.buffering.max.kbytes=1048576, no compression; produce() per message into the local queue';

function rdConnect(client: RdProducer | RdConsumer): Promise<void> {
  return new Promise((resolve, reject) => {
    (client as RdProducer).connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve()));
  });
}

function rdDisconnect(client: RdProducer | RdConsumer): Promise<void> {
  return new Promise((resolve) => {
    // Producer.disconnect(timeout, cb) flushes first; the consumer's takes only the callback.
    if (client instanceof loadRdkafka().Producer) client.disconnect(10_000, () => resolve());
    else client.disconnect(() => resolve());
  });
}

const rdCall = (fn: (cb: (err: unknown) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

/**
 * produce() of one message into librdkafka's queue, waiting (and polling) while the queue is full.
 */
async function rdProduceOne(
  lib: RdKafkaModule,
  producer: RdProducer,
  topic: string,
  partition: number,
  value: Buffer,
  key: Buffer,
): Promise<void> {
  for (;;) {
    try {
      producer.produce(topic, partition, value, key);
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== lib.CODES.ERRORS.ERR__QUEUE_FULL) throw error;
      producer.poll();
      await sleep(1);
    }
  }
}

const rdkafka: Record<ScenarioName, Run> = {
  async produce(cfg, topic, id) {
    const t0 = now();
    const lib = loadRdkafka();
    const producer = new lib.Producer({ ...rdProducerConfig(cfg, id), dr_cb: true }, RD_TOPIC_CONFIG);
    await rdConnect(producer);
    try {
      await new Promise<void>((resolve, reject) =>
        producer.getMetadata({ topic, timeout: 10_000 }, (err) => (err ? reject(err) : resolve())),
      );
      const value = payload(cfg.size);
      const progress = progressReporter('rdkafka produce', cfg.messages);
      let acked = 0;
      let failed: unknown = null;
      let allAcked!: () => void;
      const done = new Promise<void>((resolve) => (allAcked = resolve));
      producer.on('delivery-report', (err) => {
        if (err) failed ??= err;
        acked++;
        if ((acked & 1023) === 0) progress(acked);
        if (acked === cfg.messages) allAcked();
      });
      producer.setPollInterval(5);
      const start = now();
      for (let i = 0; i < cfg.messages; i++) {
        await rdProduceOne(lib, producer, topic, i % cfg.partitions, value, keyOf(i));
        // Let delivery reports reach JavaScript now and then while the loop is still producing.
        if ((i & 16383) === 16383) await yieldToLoop();
      }
      await done;
      const end = now();
      progress(acked);
      producer.setPollInterval(0);
      if (failed) throw failed;
      return {
        messages: acked,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `${RD_PRODUCER_SETTINGS}, delivery reports (dr_cb) polled every 5 ms; done at the last delivery report`,
      };
    } finally {
      await rdDisconnect(producer);
    }
  },

  async consume(cfg, topic, id) {
    const t0 = now();
    const lib = loadRdkafka();
    const consumer = new lib.KafkaConsumer(
      {
        'bootstrap.servers': cfg.broker,
        'client.id': id,
        'group.id': `${id}-group`,
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
        rebalance_cb: true,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    let assignedAt: number | null = null;
    consumer.on('rebalance', (err) => {
      if ((err as { code?: number }).code === lib.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) assignedAt ??= now();
    });
    await rdConnect(consumer);
    try {
      consumer.setDefaultConsumeTimeout(1000);
      consumer.subscribe([topic]);
      const progress = progressReporter('rdkafka consume', cfg.messages);
      let count = 0;
      let firstAt = 0;
      while (count < cfg.messages) {
        // Ask for no more than remain: consume(n) waits up to the timeout for each missing one.
        const want = Math.min(cfg.rdkafkaConsumeBatch, cfg.messages - count);
        const messages = await new Promise<unknown[]>((resolve, reject) =>
          consumer.consume(want, (err, msgs) => (err ? reject(err) : resolve(msgs))),
        );
        if (count === 0 && messages.length > 0) firstAt = now();
        count += messages.length;
        progress(count);
      }
      const lastAt = now();
      const start = assignedAt ?? firstAt;
      return {
        messages: count,
        seconds: (lastAt - start) / 1000,
        startupMs: start - t0,
        settings: `KafkaConsumer (librdkafka ${lib.librdkafkaVersion}), subscribe + consume(${cfg.rdkafkaConsumeBatch}) loop (read_committed, auto commit off, librdkafka defaults: fetch.wait.max.ms 500, queued.min.messages 100000, fetch.max.bytes 50 MB)`,
      };
    } finally {
      await rdDisconnect(consumer);
    }
  },

  async 'txn-produce'(cfg, topic, id) {
    const t0 = now();
    const lib = loadRdkafka();
    const producer = new lib.Producer(
      { ...rdProducerConfig(cfg, id), 'transactional.id': `${id}-txn` },
      RD_TOPIC_CONFIG,
    );
    await rdConnect(producer);
    try {
      await rdCall((cb) => producer.initTransactions(30_000, cb));
      const value = payload(cfg.size);
      const progress = progressReporter('rdkafka txn-produce', cfg.messages);
      let committed = 0;
      const start = now();
      for (let from = 0; from < cfg.messages; from += cfg.txnSize) {
        const to = Math.min(cfg.messages, from + cfg.txnSize);
        await rdCall((cb) => producer.beginTransaction(cb));
        for (let i = from; i < to; i++)
          await rdProduceOne(lib, producer, topic, i % cfg.partitions, value, keyOf(i));
        // commitTransaction flushes the queue (ignoring linger.ms) and waits for every ack.
        await rdCall((cb) => producer.commitTransaction(30_000, cb));
        committed = to;
        progress(committed);
      }
      const end = now();
      return {
        messages: committed,
        seconds: (end - start) / 1000,
        startupMs: start - t0,
        settings: `${RD_PRODUCER_SETTINGS}, transactional.id set (initTransactions untimed), ${cfg.txnSize} messages per transaction, commitTransaction awaited (it flushes), no delivery-report callbacks`,
      };
    } finally {
      await rdDisconnect(producer);
    }
  },
};

const RUNS: Record<ClientName, Record<ScenarioName, Run>> = { platformatic, kafkajs, rdkafka };

// ---------------------------------------------------------------------------------------------
// Topics (the parent's @platformatic/kafka admin): create, seed, verify, delete

async function createTopic(admin: Admin, cfg: Config, topic: string): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions: cfg.partitions, replicas: 1 });
  // Wait until every partition has a leader, so no client pays for the topic's creation.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => null);
    const partitions = metadata?.topics.get(topic)?.partitions ?? [];
    if (partitions.length === cfg.partitions && partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 30 s`);
    await sleep(100);
  }
}

/** Sum over partitions of the high watermark (includes transaction markers). */
async function endOffsetSum(admin: Admin, cfg: Config, topic: string): Promise<number> {
  const listed = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: cfg.partitions }, (_, p) => ({
          partitionIndex: p,
          timestamp: ListOffsetTimestamps.LATEST,
        })),
      },
    ],
  });
  let sum = 0;
  for (const t of listed) for (const p of t.partitions) sum += Number(p.offset);
  return sum;
}

/** Offsets a run of txn-produce should end at: the records plus one commit marker per partition per transaction. */
function expectedTxnEnd(cfg: Config): number {
  let markers = 0;
  for (let from = 0; from < cfg.messages; from += cfg.txnSize)
    markers += Math.min(cfg.partitions, Math.min(cfg.messages, from + cfg.txnSize) - from);
  return cfg.messages + markers;
}

async function seedTopic(cfg: Config, topic: string, id: string): Promise<void> {
  log(`  seeding ${topic} with ${cfg.messages} messages (${cfg.seed}, @platformatic/kafka, untimed)`);
  progressTag = 'seed';
  try {
    if (cfg.seed === 'txn') await platformatic['txn-produce'](cfg, topic, `${id}-seed`);
    else await platformatic.produce(cfg, topic, `${id}-seed`);
  } finally {
    progressTag = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Child process: one measurement

const CHILD_ENV = 'KAFKA_CLIENTS_BENCH_CHILD';

interface ChildJob {
  client: ClientName;
  scenario: ScenarioName;
  topic: string;
  id: string;
  cfg: Config;
}

async function runJob(job: ChildJob): Promise<Measurement> {
  const run = RUNS[job.client][job.scenario];
  return withTimeout(
    run(job.cfg, job.topic, job.id),
    job.cfg.timeoutSeconds * 1000,
    `${job.client} ${job.scenario}`,
  );
}

async function childMain(job: ChildJob): Promise<void> {
  try {
    const result = await runJob(job);
    process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    process.exit(0);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: describeError(error) })}\n`);
    process.exit(1);
  }
}

function runInChild(job: ChildJob): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, import.meta.filename], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    // The child enforces the limit itself; this is the backstop if it hangs in native code.
    const killer = setTimeout(() => child.kill('SIGKILL'), (job.cfg.timeoutSeconds + 60) * 1000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { ok: boolean; result?: Measurement; error?: string };
        if (parsed.ok && parsed.result) resolve(parsed.result);
        else reject(new Error(parsed.error ?? `child failed (code ${code})`));
      } catch {
        reject(new Error(`child exited with ${signal ?? code} without a result`));
      }
    });
  });
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const inner = (error as { errors?: unknown[] }).errors;
    const cause = error.cause ? ` (cause: ${describeError(error.cause)})` : '';
    // Retried operations nest the same error once per attempt: show each distinct one once.
    const counts = new Map<string, number>();
    for (const e of Array.isArray(inner) ? inner : []) {
      const text = describeError(e);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    const nested =
      counts.size > 0
        ? ` [${[...counts].map(([text, n]) => (n > 1 ? `${n} × ${text}` : text)).join('; ')}]`
        : '';
    return `${error.name}: ${error.message}${cause}${nested}`;
  }
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Parent: orchestration and reporting

interface Row {
  client: ClientName;
  scenario: ScenarioName;
  topic: string;
  messages: number;
  seconds: number | null;
  msgsPerSec: number | null;
  mbPerSec: number | null;
  ratioVsPlatformatic: number | null;
  startupMs: number | null;
  check: string;
  settings: string;
  error: string | null;
}

function clientVersions(clients: readonly ClientName[]): Record<string, string> {
  const versions: Record<string, string> = {};
  const read = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  // Its package.json is not exported: find it from the resolved entry point (also shows which copy).
  const pkEntry = fileURLToPath(import.meta.resolve('@platformatic/kafka'));
  const pkRoot = pkEntry.slice(0, pkEntry.lastIndexOf('/dist/'));
  versions.platformatic = `${read(join(pkRoot, 'package.json'))} (${pkRoot})`;
  if (clients.includes('kafkajs'))
    versions.kafkajs = tryVersion(() => read(require.resolve('kafkajs/package.json')));
  if (clients.includes('rdkafka')) {
    versions.rdkafka = tryVersion(() => {
      const lib = loadRdkafka();
      return `${read(require.resolve('node-rdkafka/package.json'))} (librdkafka ${lib.librdkafkaVersion})`;
    });
  }
  return versions;
}

function tryVersion(read: () => string): string {
  try {
    return read();
  } catch (error) {
    return `unavailable: ${describeError(error)}`;
  }
}

const fmtInt = (n: number | null) => (n === null ? 'error' : Math.round(n).toLocaleString('en-US'));
const fmt = (n: number | null, digits: number) => (n === null ? '–' : n.toFixed(digits));

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const sep = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function resultTable(rows: readonly Row[]): string {
  return markdownTable(
    ['client', 'scenario', 'msgs/s', 'MB/s', 'ratio vs platformatic'],
    rows.map((r) => [
      r.client,
      r.scenario,
      fmtInt(r.msgsPerSec),
      fmt(r.mbPerSec, 2),
      r.ratioVsPlatformatic === null ? 'n/a' : `${r.ratioVsPlatformatic.toFixed(2)}x`,
    ]),
  );
}

function detailTable(rows: readonly Row[]): string {
  return markdownTable(
    ['client', 'scenario', 'messages', 'seconds', 'startup ms', 'check'],
    rows.map((r) => [
      r.client,
      r.scenario,
      String(r.messages),
      fmt(r.seconds, 3),
      fmt(r.startupMs, 0),
      r.error ? `error: ${r.error.replaceAll('|', '/').slice(0, 200)}` : r.check,
    ]),
  );
}

async function parentMain(cfg: Config): Promise<number> {
  const { clients, scenarios } = cfg;
  const runId = `${new Date()
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const versions = clientVersions(clients);
  log(
    `run ${runId}: ${cfg.messages} messages of ${cfg.size} B, broker ${cfg.broker}, ${cfg.partitions} partitions`,
  );
  log(`clients: ${clients.map((c) => `${c} ${versions[c]}`).join(', ')}; scenarios: ${scenarios.join(', ')}`);
  log(
    `node ${process.version}; each measurement in ${cfg.inProcess ? 'this process' : 'a fresh child process'}`,
  );

  const admin = new Admin(pkBase(cfg, `clients-bench-${runId}-admin`));
  const rows: Row[] = [];
  try {
    for (const scenario of scenarios) {
      for (const client of clients) {
        const topic = `clients-bench-${runId}-${scenario}-${client}`;
        const id = `clients-bench-${runId}-${client}-${scenario}`;
        log(`${client} ${scenario}: topic ${topic}`);
        const row: Row = {
          client,
          scenario,
          topic,
          messages: cfg.messages,
          seconds: null,
          msgsPerSec: null,
          mbPerSec: null,
          ratioVsPlatformatic: null,
          startupMs: null,
          check: '',
          settings: '',
          error: null,
        };
        try {
          await createTopic(admin, cfg, topic);
          if (scenario === 'consume') await seedTopic(cfg, topic, id);
          const job: ChildJob = { client, scenario, topic, id, cfg };
          const m = cfg.inProcess ? await runJob(job) : await runInChild(job);
          row.messages = m.messages;
          row.seconds = m.seconds;
          row.startupMs = m.startupMs;
          row.settings = m.settings;
          row.msgsPerSec = m.messages / m.seconds;
          row.mbPerSec = (m.messages * cfg.size) / 1e6 / m.seconds;
          row.check = await verify(admin, cfg, scenario, topic, m);
          log(
            `${client} ${scenario}: ${fmtInt(row.msgsPerSec)} msgs/s, ${fmt(row.mbPerSec, 2)} MB/s ` +
              `(${m.messages} in ${m.seconds.toFixed(3)} s; startup ${m.startupMs.toFixed(0)} ms; ${row.check})`,
          );
        } catch (error) {
          row.error = describeError(error);
          log(`${client} ${scenario}: FAILED: ${row.error}`);
        } finally {
          if (!cfg.keepTopics) {
            await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
            // The consumer group of a consume run is empty by now; leave nothing behind.
            if (scenario === 'consume')
              await admin.deleteGroups({ groups: [`${id}-group`] }).catch(() => undefined);
          }
        }
        rows.push(row);
      }
    }
  } finally {
    await admin.close().catch(() => undefined);
  }

  for (const row of rows) {
    const base = rows.find((r) => r.client === 'platformatic' && r.scenario === row.scenario);
    if (row.msgsPerSec !== null && base?.msgsPerSec)
      row.ratioVsPlatformatic = row.msgsPerSec / base.msgsPerSec;
  }

  const table = resultTable(rows);
  const report = {
    runId,
    date: new Date().toISOString(),
    node: process.version,
    host: { cpus: (await import('node:os')).cpus().length, platform: process.platform, arch: process.arch },
    broker: cfg.broker,
    versions,
    options: {
      messages: cfg.messages,
      size: cfg.size,
      partitions: cfg.partitions,
      batch: cfg.batch,
      effectiveSendBatch: sendBatch(cfg),
      inflight: cfg.inflight,
      txnSize: cfg.txnSize,
      rdkafkaConsumeBatch: cfg.rdkafkaConsumeBatch,
      seed: cfg.seed,
      retry: cfg.retry,
      clients,
      scenarios,
      processIsolation: !cfg.inProcess,
    },
    units: {
      msgsPerSec: 'messages / s',
      mbPerSec: 'value payload, 10^6 bytes / s',
      seconds: 's',
      startupMs: 'ms',
    },
    results: rows,
  };
  const md = [
    `# Kafka client comparison — ${report.date}`,
    '',
    `${cfg.messages} messages × ${cfg.size} B values, ${cfg.partitions} partitions, broker ${cfg.broker}, node ${process.version}, ${report.host.cpus} CPUs.`,
    `Clients: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
    table,
    '',
    '## Details',
    '',
    detailTable(rows),
    '',
    '## Settings',
    '',
    ...rows.map((r) => `- **${r.client} ${r.scenario}**: ${r.settings || '(not run)'}`),
    '',
  ].join('\n');
  mkdirSync(cfg.out, { recursive: true });
  const jsonPath = join(cfg.out, 'latest.json');
  const mdPath = join(cfg.out, 'latest.md');
  writeFileSync(jsonPath, await prettify(`${JSON.stringify(report, null, 2)}\n`, jsonPath));
  writeFileSync(mdPath, await prettify(md, mdPath));
  log(`wrote ${join(cfg.out, 'latest.json')} and ${join(cfg.out, 'latest.md')}`);

  if (cfg.json) {
    process.stderr.write(`${table}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
  return rows.some((r) => r.error !== null) ? 1 : 0;
}

/**
 * Formats a results file with the repository's Prettier (the root's `npm run lint` checks every
 * file), when Prettier can be loaded; unformatted otherwise.
 */
async function prettify(text: string, filepath: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = await prettier.resolveConfig(filepath);
    return await prettier.format(text, { ...options, filepath });
  } catch {
    return text;
  }
}

async function verify(
  admin: Admin,
  cfg: Config,
  scenario: ScenarioName,
  topic: string,
  m: Measurement,
): Promise<string> {
  if (m.messages !== cfg.messages) return `MISMATCH: ${m.messages} of ${cfg.messages} messages`;
  if (scenario === 'consume') return `consumed ${m.messages}`;
  const end = await endOffsetSum(admin, cfg, topic);
  const expected = scenario === 'produce' ? cfg.messages : expectedTxnEnd(cfg);
  const what = scenario === 'produce' ? 'records' : 'records + commit markers';
  return end === expected
    ? `end offsets ${end} = ${what}`
    : `MISMATCH: end offsets ${end}, expected ${expected} (${what})`;
}

// ---------------------------------------------------------------------------------------------
// Entry point

const childJob = process.env[CHILD_ENV];
if (childJob) {
  await childMain(JSON.parse(childJob) as ChildJob);
} else {
  let exitCode = 0;
  try {
    const cfg = parseConfig(process.argv.slice(2));
    if (!cfg) {
      process.stdout.write(HELP);
    } else {
      exitCode = await parentMain(cfg);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
      exitCode = 2;
    } else {
      process.stderr.write(`${describeError(error)}\n`);
      exitCode = 1;
    }
  }
  process.exit(exitCode);
}
