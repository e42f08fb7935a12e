/**
 * Which client the load generator should use, measured rather than guessed: the project's public
 * `KafkaClient` (produce, readNew polling) against the generator's own `TopicProducer` and
 * long-polling `TailReader` (@platformatic/kafka directly). Short (≈ 10 s, light load) on
 * throw-away topics, which it deletes.
 *
 *   node bench/load/measure-clients.ts [--bootstrap 127.0.0.1:19092]
 */
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { KafkaClient, type ConsumedRecord } from '../../runtime/index.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { clientOptions } from './kafka-options.ts';
import { TopicProducer } from './order-producer.ts';
import { TailReader } from './tail-reader.ts';
import { markdownTable } from '../report/table.ts';

const { values } = parseArgs({
  options: { bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' } },
});
const bootstrap = values.bootstrap;
const id = `measure-${Math.random().toString(36).slice(2, 8)}`;
const produceTopic = `${id}-produce`;
const readTopic = `${id}-read`;
const log = (line: string) => process.stderr.write(`[measure] ${line}\n`);
const clock = () => performance.now();
const rows: (string | number)[][] = [];
const row = (what: string, h: LatencyHistogram) =>
  rows.push([what, h.count, h.percentileMs(50), h.percentileMs(99), h.maxMs]);

const kafka = await KafkaClient.connect({ bootstrapServers: [bootstrap], clientId: id });
const admin = new Admin(clientOptions(bootstrap, `${id}-admin`));
try {
  await kafka.createTopics([
    { name: produceTopic, partitions: 3 },
    { name: readTopic, partitions: 3 },
  ]);
  const producer = await TopicProducer.connect({ bootstrap, topic: produceTopic, clientId: `${id}-p` });

  // 1. Produce: one awaited send of 2 records at a time, as the sender loop does at low rates.
  const batch = (n: number) =>
    Array.from({ length: 2 }, (_, i) => ({
      key: `k-${n}-${i}`,
      value: 'x'.repeat(200),
      timestamp: Date.now(),
    }));
  for (const [name, send] of [
    ['KafkaClient.produce (2 records, awaited)', (n: number) => kafka.produce(produceTopic, batch(n))],
    ['TopicProducer.send (2 records, awaited)', (n: number) => producer.send(batch(n))],
  ] as const) {
    const h = new LatencyHistogram();
    for (let n = 0; n < 300; n++) {
      const start = clock();
      await send(n);
      h.record(clock() - start);
    }
    row(name, h);
    log(`${name}: p50 ${h.percentileMs(50)} ms`);
  }
  await producer.close();

  // 2. Read: a record every 10 ms for 3 s; latency = time read − time sent (same process, same clock).
  const writer = await TopicProducer.connect({ bootstrap, topic: readTopic, clientId: `${id}-w` });
  const readLatency = (records: readonly ConsumedRecord[], readAt: number, h: LatencyHistogram) => {
    for (const r of records) h.record(readAt - Number(r.value?.toString() ?? Number.NaN));
  };
  const write = async (stop: () => boolean) => {
    for (let n = 0; !stop(); n++) {
      await writer.send([{ key: `r-${n}`, value: String(clock()), timestamp: Date.now() }]);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  {
    const h = new LatencyHistogram();
    await kafka.readNew(readTopic); // skip to the end, as a run would
    const end = clock() + 3000;
    const writing = write(() => clock() > end);
    let polls = 0;
    while (clock() < end + 300) {
      const records = await kafka.readNew(readTopic);
      polls++;
      readLatency(records, clock(), h);
    }
    await writing;
    row(`KafkaClient.readNew, back-to-back polls (${polls} polls)`, h);
    log(`readNew: p50 ${h.percentileMs(50)} ms over ${polls} polls`);
  }
  {
    const h = new LatencyHistogram();
    const reader = await TailReader.start({
      bootstrap,
      topic: readTopic,
      clientId: `${id}-r`,
      onRecords: (records, readAt) => readLatency(records, readAt, h),
    });
    const end = clock() + 3000;
    await write(() => clock() > end);
    await new Promise((r) => setTimeout(r, 300));
    await reader.stop();
    row(`TailReader, long-poll fetch (${reader.fetches} fetches)`, h);
    log(`TailReader: p50 ${h.percentileMs(50)} ms over ${reader.fetches} fetches`);
  }
  await writer.close();
} finally {
  await admin.deleteTopics({ topics: [produceTopic, readTopic] }).catch(() => undefined);
  await admin.close();
  await kafka.close();
}
process.stdout.write(
  markdownTable(['operation', 'samples', 'p50 ms', 'p99 ms', 'max ms'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
  ]),
);
