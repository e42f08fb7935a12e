/**
 * Our Avro serde speaks the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro binary): a Confluent-compatible client from npm (@kafkajs/confluent-schema-registry)
 * decodes our bytes and we decode its bytes, ids resolved by the same real registry.
 */
import {
  COMPATIBILITY,
  SchemaRegistry as ConfluentClient,
  SchemaType,
} from '@kafkajs/confluent-schema-registry';
import {
  HttpSchemaRegistry,
  createEventSerdes,
  loadSchemaCatalog,
  type EventSerdes,
  type OrderCreated,
  type OrderStatusChanged,
} from '../../../schemas/index.ts';
import { ensureRegistry } from '../../../stack/registry.ts';

let client: ConfluentClient;
let url: string;
beforeAll(async () => {
  url = await ensureRegistry();
  client = new ConfluentClient({ host: url });
}, 300_000);

const order: OrderCreated = {
  orderId: 'o-1001',
  customerId: 'c-7',
  items: [
    { sku: 'SKU-RED', quantity: 2, unitPrice: 1999 },
    { sku: 'SKU-BLUE', quantity: 1, unitPrice: 4999 },
  ],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com', phone: null, webhookUrl: null },
  createdAt: 1_764_000_000_000,
};
const status: OrderStatusChanged = {
  orderId: 'o-1001',
  status: 'RESERVED',
  previousStatus: 'CREATED',
  reason: null,
  at: 1_764_000_000_123,
  createdAt: 1_764_000_000_000,
};

async function serdes(): Promise<EventSerdes> {
  return createEventSerdes({ outputFormat: 'avro', registry: new HttpSchemaRegistry(url) });
}

test('the Confluent client decodes our bytes (order-created, order-status-changed) to the same records', async () => {
  const ours = await serdes();
  const orderBytes = ours.avro('order-created').serialize('orders', order);
  expect(orderBytes[0]).toBe(0);
  expect(orderBytes.readInt32BE(1)).toBe(await client.getLatestSchemaId('order-created-value'));
  expect(await client.decode(orderBytes)).toEqual(order);
  const statusBytes = ours.output('order-status-changed').serialize('order-status', status);
  expect(await client.decode(statusBytes)).toEqual(status);
});

test('we decode what the Confluent client encodes, byte for byte the same as ours', async () => {
  const ours = await serdes();
  const id = await client.getLatestSchemaId('order-created-value');
  const theirs = await client.encode(id, order);
  expect(ours.input('order-created').deserialize('orders', theirs)).toEqual(order);
  expect(theirs.equals(ours.avro('order-created').serialize('orders', order))).toBe(true);
});

test('records the Confluent client writes with an older schema version decode with our newest reader', async () => {
  // stock-adjusted v1 has no `reason`; our reader (v2) fills its default.
  const v1 = loadSchemaCatalog().get('stock-adjusted')?.[0];
  if (!v1 || v1.version !== 1) throw new Error('expected schemas/avro/stock-adjusted/v1.avsc');
  const { id } = await client.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(v1.schema) },
    { subject: 'stock-adjusted-value', compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE },
  );
  // A client that started before the id existed: preload (done at start-up) or fetch learns it.
  const registry = new HttpSchemaRegistry(url);
  const fresh = await createEventSerdes({ outputFormat: 'json', registry });
  expect(registry.typeById(id)).toBeDefined();
  const bytes = await client.encode(id, { sku: 'SKU-RED', delta: -3 });
  expect(fresh.input('stock-adjusted').deserialize('stock', bytes)).toEqual({
    sku: 'SKU-RED',
    delta: -3,
    reason: null,
  });
});
