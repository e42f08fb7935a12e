/**
 * Bad Avro input with a real registry: a record whose schema id the registry does not know, or
 * whose body does not decode with its schema, goes to the dead-letter topic with the reason, and
 * the records around it are processed.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry as ConfluentClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import pino from 'pino';
import {
  HttpSchemaRegistry,
  createEventSerdes,
  latestSchema,
  type OrderCreated,
} from '../../../schemas/index.ts';
import { ensureRegistry } from '../../../stack/registry.ts';
import { TopologyTestDriver } from '../../../testing/index.ts';
import { Serdes, StreamsBuilder } from '../../../topology/index.ts';

let url: string;
beforeAll(async () => {
  url = await ensureRegistry();
}, 300_000);

const order: OrderCreated = {
  orderId: 'o-1',
  customerId: 'c-1',
  items: [{ sku: 'SKU-RED', quantity: 1, unitPrice: 1000 }],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com', phone: null, webhookUrl: null },
  createdAt: 1_764_000_000_000,
};

/** Confluent wire format by hand: magic byte 0, the 4-byte id, then the body. */
function wire(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

test('unknown schema id and an undecodable body are dead-lettered with the reason; good records pass', async () => {
  const serdes = await createEventSerdes({ outputFormat: 'avro', registry: new HttpSchemaRegistry(url) });
  const builder = new StreamsBuilder();
  builder
    .stream('orders', { keySerde: Serdes.String(), valueSerde: serdes.input('order-created') })
    .to('orders-out', { keySerde: Serdes.String(), valueSerde: serdes.avro('order-created') });
  const driver = new TopologyTestDriver(builder.build(), {
    applicationId: 'bad-input',
    logger: pino({ level: 'silent' }),
  });
  try {
    const input = driver.createInputTopic('orders', Serdes.String(), Serdes.Buffer());
    const output = driver.createOutputTopic('orders-out', Serdes.String(), Serdes.Buffer());
    const client = new ConfluentClient({ host: url });
    const id = await client.getLatestSchemaId('order-created-value');
    const unknownId = 2_000_000_000;
    await expect(client.getSchema(unknownId)).rejects.toThrow();

    await input.pipeInput('o-1', await client.encode(id, order));
    await input.pipeInput('bad-id', wire(unknownId, Buffer.from([2, 0x78])));
    await input.pipeInput('bad-body', wire(id, Buffer.from([0x09, 0x01])));
    await input.pipeInput('o-2', await client.encode(id, { ...order, orderId: 'o-2' }));

    const dead = driver.deadLetterRecords();
    expect(dead.map((d) => [d.value?.toString('hex'), d.reason])).toEqual([
      [
        wire(unknownId, Buffer.from([2, 0x78])).toString('hex'),
        expect.stringMatching(`unknown schema id ${unknownId}`),
      ],
      [
        wire(id, Buffer.from([0x09, 0x01])).toString('hex'),
        expect.stringMatching(`does not decode with schema id ${id}`),
      ],
    ]);
    const passed = output.readKeyValuesToList();
    expect(passed.map((r) => r.key)).toEqual(['o-1', 'o-2']);
    expect(await client.decode(passed[1]?.value as Buffer)).toEqual({ ...order, orderId: 'o-2' });
  } finally {
    await driver.close();
  }
});

test('a record written with a schema version registered after start-up decodes (fetched on first sight), not dead-lettered', async () => {
  const serdes = await createEventSerdes({ outputFormat: 'avro', registry: new HttpSchemaRegistry(url) });
  const client = new ConfluentClient({ host: url });
  // A newer producer's OrderCreated with an extra optional field, unique per run so its id is new.
  const extra = `note_${randomUUID().slice(0, 8)}`;
  const newer = {
    ...(latestSchema('order-created').schema as { fields: object[] }),
    fields: [
      ...(latestSchema('order-created').schema as { fields: object[] }).fields,
      { name: extra, type: ['null', 'string'], default: null },
    ],
  };
  const { id } = await client.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(newer) },
    { subject: `it-late-${extra}-value` },
  );
  const bytes = await client.encode(id, { ...order, [extra]: 'gift' });
  const started = Date.now();
  expect(serdes.input('order-created').deserialize('orders', bytes)).toEqual(order);
  expect(Date.now() - started).toBeLessThan(5_000);
});
