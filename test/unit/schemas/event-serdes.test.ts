import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalSchemaRegistry,
  avroEventSerde,
  checkBackwardCompatibility,
  createEventSerdes,
  inputEventSerde,
  jsonEventSerde,
  latestSchema,
  schemaCatalog,
  type OrderCreated,
} from '../../../schemas/index.ts';
import { SerdeError, ValidationError } from '../../../engine-common/errors.ts';

const order = {
  orderId: 'o-1001',
  customerId: 'c-7',
  items: [
    { sku: 'SKU-RED', quantity: 2, unitPrice: 1999 },
    { sku: 'SKU-BLUE', quantity: 1, unitPrice: 4999 },
  ],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com' },
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const orders = jsonEventSerde('order-created');

describe('JSON input validated by the Avro schema', () => {
  it('accepts the console-producer format, fills optional fields and drops extra ones', () => {
    const decoded = orders.deserialize(
      'orders',
      bytes({ ...order, extra: true, contact: { email: 'a@b', x: 1 } }),
    );
    expect(decoded).toEqual({
      ...order,
      contact: { email: 'a@b', phone: null, webhookUrl: null },
      createdAt: null,
    });
  });

  it.each([
    [
      'missing required field',
      { ...order, customerId: undefined },
      ValidationError,
      /customerId: expected string/,
    ],
    ['wrong type', { ...order, currency: 3 }, ValidationError, /currency: expected string, got 3/],
    [
      'negative quantity',
      { ...order, items: [{ sku: 'A', quantity: -2, unitPrice: 1 }] },
      ValidationError,
      /items\[0\]\.quantity: expected >= 1, got -2/,
    ],
    ['no items', { ...order, items: [] }, ValidationError, /1-100 items, got 0/],
    [
      'too many items',
      {
        ...order,
        items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPrice: 1 })),
      },
      ValidationError,
      /got 101/,
    ],
    [
      'duplicate SKU',
      { ...order, items: [order.items[0], order.items[0]] },
      ValidationError,
      /SKU-RED appears twice/,
    ],
    [
      'fractional price',
      { ...order, items: [{ sku: 'A', quantity: 1, unitPrice: 1.5 }] },
      ValidationError,
      /unitPrice/,
    ],
  ])('rejects %s with a precise reason', (_name, value, errorType, message) => {
    expect(() => orders.deserialize('orders', bytes(value))).toThrow(errorType);
    expect(() => orders.deserialize('orders', bytes(value))).toThrow(message);
  });

  it('non-JSON bytes are a SerdeError', () => {
    expect(() => orders.deserialize('orders', Buffer.from('not json'))).toThrow(SerdeError);
  });

  it('stock adjustments take negative deltas', () => {
    expect(
      jsonEventSerde('stock-adjusted').deserialize('stock', bytes({ sku: 'SKU-RED', delta: -5 })),
    ).toEqual({
      sku: 'SKU-RED',
      delta: -5,
      reason: null,
    });
  });
});

describe('Avro in the Confluent wire format', () => {
  const registry = new LocalSchemaRegistry();

  it('round-trips every event, with magic byte 0 and the schema id in front', async () => {
    const serdes = await createEventSerdes({ outputFormat: 'avro', registry });
    const value: OrderCreated = orders.deserialize('orders', bytes(order));
    const encoded = serdes.avro('order-created').serialize('orders', value);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(registry.idFor(latestSchema('order-created').schema));
    expect(serdes.avro('order-created').deserialize('orders', encoded)).toEqual(value);
    expect(serdes.input('order-created').deserialize('orders', encoded)).toEqual(value);
    expect(serdes.input('order-created').deserialize('orders', bytes(order))).toEqual(value);
  });

  it('ids are stable: derived from the catalog, not from registration order', () => {
    expect(new LocalSchemaRegistry().idFor(latestSchema('stock-adjusted').schema)).toBe(
      registry.idFor(latestSchema('stock-adjusted').schema),
    );
  });

  it('reads data written with v1 of a schema using the newest reader (schema evolution)', () => {
    const [v1] = schemaCatalog().get('stock-adjusted') ?? [];
    expect(v1?.version).toBe(1);
    const writer = avroEventSerde('stock-adjusted', registry, registry.idFor(v1?.schema ?? {}));
    const body = v1?.type.toBuffer({ sku: 'SKU-X', delta: 4 }) as Buffer;
    const header = Buffer.alloc(5);
    header.writeInt32BE(registry.idFor(v1?.schema ?? {}), 1);
    expect(writer.deserialize('stock', Buffer.concat([header, body]))).toEqual({
      sku: 'SKU-X',
      delta: 4,
      reason: null,
    });
  });

  it('garbage after the magic byte is a SerdeError, not a crash', () => {
    expect(() =>
      inputEventSerde('order-created', registry, 101).deserialize(
        'orders',
        Buffer.from([0, 0, 0, 0, 101, 9, 9]),
      ),
    ).toThrow(SerdeError);
  });
});

describe('schema compatibility check', () => {
  it('every event stays backward compatible with its previous versions', () => {
    expect(checkBackwardCompatibility()).toEqual([]);
  });

  it('catches an incompatible change (a new required field without default)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avro-'));
    try {
      cpSync(join(import.meta.dirname, '../../../schemas/avro'), dir, { recursive: true });
      const v2 = JSON.parse(readFileSync(join(dir, 'stock-adjusted/v2.avsc'), 'utf8'));
      v2.fields.push({ name: 'warehouse', type: 'string' });
      writeFileSync(join(dir, 'stock-adjusted/v3.avsc'), JSON.stringify(v2));
      const problems = checkBackwardCompatibility(dir);
      expect(problems.map((p) => [p.event, p.readerVersion, p.writerVersion])).toEqual([
        ['stock-adjusted', 3, 1],
        ['stock-adjusted', 3, 2],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
