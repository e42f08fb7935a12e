/**
 * Self-check of the open-loop generator against a stand-in pipeline: an echo in this process that
 * reads the orders topic and at once writes `RESERVED` for each order to the status topic. 200
 * orders/s for 5 s on throw-away topics (deleted afterwards); fails unless all 1000 orders are sent
 * and timed, with a positive p50.
 *
 *   node bench/load/selfcheck.ts [--bootstrap 127.0.0.1:19092] [--rate 200] [--duration 5]
 */
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { KafkaClient } from '../../runtime/index.ts';
import { percentileDistributionSvg } from '../report/svg-plot.ts';
import { clientOptions } from './kafka-options.ts';
import { runOpenLoop } from './open-loop.ts';
import { TopicProducer } from './order-producer.ts';
import { resultTable } from './result-table.ts';
import { TailReader } from './tail-reader.ts';

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '5' },
  },
});
const bootstrap = values.bootstrap;
const rate = Number(values.rate);
const durationS = Number(values.duration);
const expected = Math.round(rate * durationS);
const id = `selfcheck-${Math.random().toString(36).slice(2, 8)}`;
const ordersTopic = `${id}-orders`;
const statusTopic = `${id}-status`;
const log = (line: string) => process.stderr.write(`[selfcheck] ${line}\n`);

const kafka = await KafkaClient.connect({ bootstrapServers: [bootstrap], clientId: id });
const admin = new Admin(clientOptions(bootstrap, `${id}-admin`));
const failures: string[] = [];
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
let echoIn: TailReader | undefined;
let echoOut: TopicProducer | undefined;
try {
  await kafka.createTopics([
    { name: ordersTopic, partitions: 3 },
    { name: statusTopic, partitions: 3 },
  ]);
  log(`topics ${ordersTopic}, ${statusTopic}; echo pipeline starting`);

  // The stand-in pipeline: one status per order, written as soon as the order is read.
  const out = await TopicProducer.connect({ bootstrap, topic: statusTopic, clientId: `${id}-echo-out` });
  echoOut = out;
  let echoed = 0;
  let echoQueue: Promise<void> = Promise.resolve();
  echoIn = await TailReader.start({
    bootstrap,
    topic: ordersTopic,
    clientId: `${id}-echo-in`,
    onRecords: (records) => {
      const statuses = records.map((r) => {
        const order = JSON.parse(r.value?.toString('utf8') ?? '{}') as { orderId: string; createdAt: number };
        return {
          key: order.orderId,
          value: JSON.stringify({
            orderId: order.orderId,
            status: 'RESERVED',
            previousStatus: 'CREATED',
            reason: null,
            at: Date.now(),
            createdAt: order.createdAt,
          }),
          timestamp: Date.now(),
        };
      });
      // In order, one send at a time: the echo must not reorder or flood its own producer.
      echoQueue = echoQueue.then(() => out.send(statuses)).then(() => void (echoed += statuses.length));
    },
  });

  const result = await runOpenLoop({
    bootstrap,
    ordersTopic,
    statusTopic,
    rate,
    durationS,
    idPrefix: id,
    milestones: ['RESERVED'],
    drainTimeoutS: 15,
    onProgress: (p) =>
      log(
        `${p.phase} t=${p.elapsedS}s due=${p.due} sent=${p.sent} reserved=${p.completed.RESERVED} p99=${p.p99SoFar.RESERVED} ms`,
      ),
  });
  await echoIn.stop();
  await echoQueue;
  log(`echo wrote ${echoed} statuses`);

  const reserved = result.milestones[0];
  process.stdout.write(`${resultTable(result)}\n`);
  process.stdout.write(
    `${JSON.stringify({ ...result, milestones: result.milestones.map(({ histogram: _h, distribution: _d, ...m }) => m) }, null, 2)}\n`,
  );
  if (result.sent !== expected) failures.push(`sent ${result.sent}, expected ${expected}`);
  if (reserved?.completed !== expected)
    failures.push(`completed ${reserved?.completed}, expected ${expected}`);
  if (!((reserved?.p50Ms ?? 0) > 0)) failures.push(`p50 ${reserved?.p50Ms} ms, expected > 0`);
  if (result.timedOut !== 0) failures.push(`${result.timedOut} orders timed out`);

  // The plot writer on real data: a well-formed document with one line per series.
  const svg = percentileDistributionSvg({
    title: 'self-check: RESERVED latency distribution',
    series: [{ name: 'RESERVED', distribution: reserved?.distribution ?? [] }],
  });
  if (!svg.startsWith('<svg') || !svg.trimEnd().endsWith('</svg>') || !svg.includes('<polyline'))
    failures.push('SVG plot is malformed');
} catch (error) {
  failures.push(`run failed: ${message(error)}`);
} finally {
  await echoIn?.stop();
  await echoOut?.close();
  await admin
    .deleteTopics({ topics: [ordersTopic, statusTopic] })
    .catch((e: unknown) =>
      log(`cleanup failed (delete ${ordersTopic}, ${statusTopic} by hand): ${message(e)}`),
    );
  await admin.close();
  await kafka.close();
}
if (failures.length > 0) {
  process.stdout.write(`SELF-CHECK FAILED: ${failures.join('; ')}\n`);
  process.exit(1);
}
process.stdout.write(`SELF-CHECK PASSED: sent == ${expected}, completed == ${expected}, p50 > 0\n`);
// Client sockets may linger a moment after close; the verdict is in.
process.exit(0);
