/**
 * The HTTP registry client against a real Confluent-compatible registry (the stack's Apicurio,
 * started here when it is not running): registration, lookup by id, compatibility levels, and
 * the registry refusing what its level forbids, with its reason.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type avro from 'avsc';
import { HttpSchemaRegistry, SchemaRegistryError, createEventSerdes } from '../../../schemas/index.ts';
import { ensureRegistry } from '../../../stack/registry.ts';

// Start-up of the registry on a busy two-core machine (first run: Maven and pip fetches too).
const START_TIMEOUT_MS = 300_000;

let url: string;

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
beforeAll(async () => {
  url = await ensureRegistry();
}, START_TIMEOUT_MS);

/** A subject of its own per test: the registry outlives test runs. */
const subject = (what: string) => `it-${what}-${randomUUID().slice(0, 8)}-value`;

const probe = (fields: object[]): avro.Schema =>
  ({ type: 'record', name: 'Probe', namespace: 'test', fields }) as avro.Schema;
const v1 = probe([{ name: 'id', type: 'string' }]);
const withCount = probe([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int', default: 0 },
]);
const countRequired = probe([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
]);

test('registers a schema and fetches it by id from a fresh client (async and sync); the same schema keeps its id', async () => {
  const name = subject('register');
  const id = await new HttpSchemaRegistry(url).register(name, v1);
  const fresh = new HttpSchemaRegistry(url);
  const type = await fresh.fetch(id);
  expect(type.toBuffer({ id: 'x' })).toEqual(Buffer.from([2, 0x78]));
  // Serdes ask synchronously: an id not cached yet is fetched there and then.
  expect(new HttpSchemaRegistry(url).typeById(id)?.name).toBe('test.Probe');
  expect(await fresh.register(name, v1)).toBe(id);
  expect(await fresh.versions(name)).toEqual([1]);
});

test('a BACKWARD_TRANSITIVE subject refuses a new required field without default, with the registry reason, and accepts it with a default', async () => {
  const name = subject('backward');
  const registry = new HttpSchemaRegistry(url);
  await registry.setCompatibility(name, 'BACKWARD_TRANSITIVE');
  expect(await registry.compatibility(name)).toBe('BACKWARD_TRANSITIVE');
  const first = await registry.register(name, v1);

  const refusal = registry.register(name, countRequired);
  await expect(refusal).rejects.toBeInstanceOf(SchemaRegistryError);
  await expect(refusal).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/count/) });
  const check = await registry.checkCompatibility(name, countRequired);
  expect(check).toMatchObject({ compatible: false, registeredVersions: 1 });
  expect(check.reasons.join(' ')).toMatch(/count at \/fields\/1/);

  expect(await registry.checkCompatibility(name, withCount)).toMatchObject({ compatible: true });
  const second = await registry.register(name, withCount);
  expect(second).not.toBe(first);
  expect(await registry.versions(name)).toEqual([1, 2]);
});

test('transitive means every version: v3 reads v2 data but not v1 data, so BACKWARD_TRANSITIVE refuses it where BACKWARD accepts it', async () => {
  const registry = new HttpSchemaRegistry(url);
  const transitive = subject('transitive');
  const plain = subject('plain');
  await registry.setCompatibility(transitive, 'BACKWARD_TRANSITIVE');
  await registry.setCompatibility(plain, 'BACKWARD');
  // v2 gives count a default, so v3 (count required) reads v2's records; v1's have no count.
  const v2 = probe([
    { name: 'id', type: 'string' },
    { name: 'count', type: 'int', default: 0 },
  ]);
  for (const name of [transitive, plain]) {
    await registry.register(name, v1);
    await registry.register(name, v2);
  }
  await expect(registry.register(transitive, countRequired)).rejects.toMatchObject({ status: 409 });
  await expect(registry.register(plain, countRequired)).resolves.toEqual(expect.any(Number));
});

test('createEventSerdes sets each event subject level (FULL_TRANSITIVE for outputs) and round-trips through registry ids', async () => {
  const registry = new HttpSchemaRegistry(url);
  const serdes = await createEventSerdes({ outputFormat: 'avro', registry });
  expect(await registry.compatibility('order-created-value')).toBe('BACKWARD_TRANSITIVE');
  expect(await registry.compatibility('order-status-changed-value')).toBe('FULL_TRANSITIVE');
  const stock = { sku: 'SKU-RED', delta: 5, reason: 'delivery' };
  const bytes = serdes.avro('stock-adjusted').serialize('stock', stock);
  const id = bytes.readInt32BE(1);
  expect((await new HttpSchemaRegistry(url).fetch(id)).name).toBe('com.example.ecommerce.StockAdjusted');
  expect(serdes.input('stock-adjusted').deserialize('stock', bytes)).toEqual(stock);
});

test('an unreachable registry is retried with backoff, then a SchemaRegistryError names it (no silent fallback)', async () => {
  const down = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
  const registry = new HttpSchemaRegistry(down, { attempts: 3, backoffMs: 50 });
  const started = Date.now();
  await expect(createEventSerdes({ outputFormat: 'json', registry })).rejects.toThrow(
    new RegExp(`Schema registry ${down} did not answer .* after 3 attempts: connect ECONNREFUSED`),
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
});

test('with auto-registration off (production) a schema is only looked up: unregistered fails with the deploy step to run, registered gives its id', async () => {
  const name = subject('lookup');
  const lookupOnly = new HttpSchemaRegistry(url, { autoRegister: false });
  await expect(lookupOnly.register(name, v1)).rejects.toMatchObject({
    status: 404,
    message: expect.stringMatching(/not registered .* npm run schemas:check -- --register/),
  });
  expect(await lookupOnly.versions(name)).toEqual([]);
  const id = await new HttpSchemaRegistry(url).register(name, v1);
  expect(await lookupOnly.register(name, v1)).toBe(id);
  await expect(lookupOnly.register(name, withCount)).rejects.toMatchObject({ status: 404 });
});
