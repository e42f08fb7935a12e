import type { FastifyInstance } from 'fastify';
import { buildHttpApi } from '../../../app/http-api.ts';
import type { OrderState } from '../../../processors/order-saga.ts';
import type { KafkaClient, StreamsApp } from '../../../runtime/index.ts';
import { orderFingerprint, type OrderCreated } from '../../../schemas/index.ts';

/**
 * The order API's doors without a broker: a fake saga store answers the interactive queries and a
 * fake client records what would be produced. test/integration/app/order-api.test.ts runs the same
 * rules on the real stack.
 */
const order: OrderCreated = {
  orderId: 'o-1',
  customerId: 'c-7',
  items: [{ sku: 'SKU-RED', quantity: 2, unitPrice: 1999 }],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com', phone: null, webhookUrl: null },
  createdAt: null,
};

/** The order the saga would store for `created`; `fingerprint: false` as stored before fingerprints. */
function stored(created: OrderCreated, fingerprint = true): OrderState {
  return {
    orderId: created.orderId,
    status: 'CREATED',
    createdAt: 1,
    reservedAt: null,
    items: created.items,
    lines: {},
    amount: 0,
    currency: created.currency,
    paymentMethod: created.paymentMethod,
    contact: created.contact,
    ...(fingerprint ? { fingerprint: orderFingerprint(created) } : {}),
  };
}

/** A saga core holding `orders`; keys it does not hold are owned by `ownerHost` (null: here). */
function fakeCore(orders: Map<string, OrderState>, ownerHost: () => string | null = () => null): StreamsApp {
  const core = {
    queryKeyValue: async (_store: string, key: string) => orders.get(key) ?? null,
    isRestoring: () => false,
    queryMetadataForKey: async (_store: string, key: string) => {
      const host = orders.has(key) ? null : ownerHost();
      return { partition: 0, activeHost: host, local: host === null };
    },
  };
  return core as unknown as StreamsApp;
}

const produced: { key: unknown; value: unknown }[] = [];
const kafka = {
  produce: async (_topic: string, records: { key: unknown; value: unknown }[]) => {
    produced.push(...records);
  },
} as unknown as KafkaClient;

const servers: FastifyInstance[] = [];
function api(app: StreamsApp | null, apiKey: string | null = null): FastifyInstance {
  const server = buildHttpApi({ app, apps: new Map(), kafka, ordersTopic: 'orders', registries: [], apiKey });
  servers.push(server);
  return server;
}

const post = (server: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  server.inject({
    method: 'POST',
    url: '/orders',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeEach(() => {
  produced.length = 0;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('400: every broken field with its reason', () => {
  it('a 10,000-character orderId and the currency "E U R<script>"', async () => {
    const response = await post(api(null), {
      ...order,
      orderId: 'x'.repeat(10_000),
      currency: 'E U R<script>',
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: string; fields: { field: string; reason: string }[] }>();
    expect(body.fields.map((f) => f.field)).toEqual(['orderId', 'currency']);
    expect(body.error).toMatch(/orderId: expected 1-64 characters.*currency: expected an active ISO 4217/);
    expect(produced).toEqual([]);
  });

  it('a schema error names its field too', async () => {
    const response = await post(api(null), { ...order, customerId: 7 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      fields: [{ field: 'customerId', reason: 'expected string, got 7' }],
    });
  });

  it('bytes that are no JSON are the body’s fault', async () => {
    const response = await post(api(null), 'not json');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      fields: [{ field: '(body)', reason: expect.stringMatching(/not JSON/) }],
    });
  });

  it('the 1 MB body limit still answers 413', async () => {
    const response = await post(api(null), { ...order, note: 'x'.repeat(1_100_000) });
    expect(response.statusCode).toBe(413);
  });
});

describe('202 names the fields it ignored', () => {
  it('extra fields are dropped (CONTRACT.md) and listed', async () => {
    const response = await post(api(null), {
      ...order,
      note: 'ring twice',
      contact: { ...order.contact, fax: '1' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      orderId: 'o-1',
      status: 'ACCEPTED',
      ignoredFields: ['contact.fax', 'note'],
    });
    expect(JSON.parse(String(produced[0]?.value))).not.toHaveProperty('note');
  });
});

describe('409 on other content under a known orderId', () => {
  it('a new orderId is produced', async () => {
    const response = await post(api(fakeCore(new Map())), order);
    expect(response.statusCode).toBe(202);
    expect(produced.map((r) => r.key)).toEqual(['o-1']);
  });

  it('an identical retry (lines reordered, no createdAt) is 202 and not produced again', async () => {
    const two = { ...order, items: [...order.items, { sku: 'SKU-BLUE', quantity: 1, unitPrice: 5 }] };
    const server = api(fakeCore(new Map([['o-1', stored(two)]])));
    const response = await post(server, { ...two, items: [...two.items].reverse(), createdAt: 5 });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ orderId: 'o-1', status: 'ACCEPTED' });
    expect(produced).toEqual([]);
  });

  it.each([
    ['quantity', { items: [{ sku: 'SKU-RED', quantity: 3, unitPrice: 1999 }] }],
    ['customer', { customerId: 'c-8' }],
    ['currency', { currency: 'USD' }],
    ['contact', { contact: { email: 'eve@example.com' } }],
  ])('other %s is 409 and not produced', async (_name, change) => {
    const server = api(fakeCore(new Map([['o-1', stored(order)]])));
    const response = await post(server, { ...order, ...change });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      orderId: 'o-1',
      error: expect.stringMatching(/already accepted with other content/),
    });
    expect(produced).toEqual([]);
  });

  it('an order stored before fingerprints cannot be compared: produced as before (the saga drops duplicates)', async () => {
    const response = await post(api(fakeCore(new Map([['o-1', stored(order, false)]]))), {
      ...order,
      currency: 'USD',
    });
    expect(response.statusCode).toBe(202);
    expect(produced).toHaveLength(1);
  });

  it('across instances: the instance taking the POST asks the owner', async () => {
    const owner = api(fakeCore(new Map([['o-1', stored(order)]])));
    const ownerUrl = await owner.listen({ host: '127.0.0.1', port: 0 });
    const front = api(fakeCore(new Map(), () => new URL(ownerUrl).host));
    expect((await post(front, { ...order, currency: 'USD' })).statusCode).toBe(409);
    expect((await post(front, order)).statusCode).toBe(202);
    expect(produced).toEqual([]);
    const other = await post(front, { ...order, orderId: 'o-2' });
    expect(other.statusCode).toBe(202); // the owner does not know o-2 either (404 there)
    expect(produced.map((r) => r.key)).toEqual(['o-2']);
  });

  it('an owner that cannot answer does not block orders', async () => {
    const front = api(fakeCore(new Map(), () => '127.0.0.1:1'));
    expect((await post(front, order)).statusCode).toBe(202);
    expect(produced).toHaveLength(1);
  });
});

describe('ORDER_API_KEY', () => {
  const key = 'k'.repeat(32);
  it.each([
    ['no key', {}],
    ['a wrong bearer key', { authorization: `Bearer ${key}x` }],
    ['a wrong x-api-key', { 'x-api-key': 'nope' }],
    ['the key under another scheme', { authorization: `Basic ${key}` }],
  ])('%s is 401 before the body is read', async (_name, headers) => {
    const response = await post(api(null, key), 'not even json', headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(produced).toEqual([]);
  });

  it.each([
    ['Authorization: Bearer', { authorization: `Bearer ${key}` }],
    ['x-api-key', { 'x-api-key': key }],
  ])('%s with the key is accepted', async (_name, headers) => {
    expect((await post(api(null, key), order, headers)).statusCode).toBe(202);
  });

  it('reads and health stay open', async () => {
    const server = api(fakeCore(new Map([['o-1', stored(order)]])), key);
    expect((await server.inject({ method: 'GET', url: '/orders/o-1' })).statusCode).toBe(200);
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('without a key configured, POST needs none', async () => {
    expect((await post(api(null), order)).statusCode).toBe(202);
  });
});
