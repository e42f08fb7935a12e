/**
 * HttpSchemaRegistry's behaviour at the edges, against a scripted HTTP server (no registry):
 * retries with backoff while the registry answers 5xx, the registry's own message in errors,
 * and the reasons of an incompatible schema from Confluent's verbose answer or Apicurio's dry run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type avro from 'avsc';
import {
  HttpSchemaRegistry,
  LocalSchemaRegistry,
  SchemaRegistryError,
  compatibilityOf,
  registryFromEnvironment,
  subjectOf,
} from '../../../schemas/index.ts';

type Handler = (req: IncomingMessage, body: string) => { status: number; body: unknown };
let server: Server;
let base: string;
let handler: Handler;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const answer = handler(req, body);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (seen.length = 0));

const schema = { type: 'record', name: 'T', fields: [{ name: 'a', type: 'string' }] } as avro.Schema;

test('subjects are <event>-value; output events are FULL_TRANSITIVE, the rest BACKWARD_TRANSITIVE', () => {
  expect(subjectOf('order-created')).toBe('order-created-value');
  expect(compatibilityOf('order-created')).toBe('BACKWARD_TRANSITIVE');
  expect(compatibilityOf('reservation-requested')).toBe('BACKWARD_TRANSITIVE');
  expect(compatibilityOf('order-status-changed')).toBe('FULL_TRANSITIVE');
  expect(compatibilityOf('notification-failed')).toBe('FULL_TRANSITIVE');
});

test('a registry answering 503 is retried with backoff until it answers', async () => {
  let calls = 0;
  handler = () =>
    ++calls < 3 ? { status: 503, body: { message: 'starting' } } : { status: 200, body: { id: 7 } };
  const registry = new HttpSchemaRegistry(`${base}/apis/ccompat/v7/`, { backoffMs: 10 });
  expect(await registry.register('t-value', schema)).toBe(7);
  expect(calls).toBe(3);
  expect(registry.typeById(7)?.name).toBe('T');
});

test('a refusal carries the registry message and status; it is not retried', async () => {
  handler = () => ({
    status: 409,
    body: { error_code: 409, message: 'Incompatible artifact: b at /fields/1' },
  });
  const registry = new HttpSchemaRegistry(base, { backoffMs: 10 });
  const refusal = registry.register('t-value', schema);
  await expect(refusal).rejects.toBeInstanceOf(SchemaRegistryError);
  await expect(refusal).rejects.toMatchObject({
    status: 409,
    message: 'Registering t-value failed: HTTP 409 Incompatible artifact: b at /fields/1',
  });
  expect(seen).toHaveLength(1);
});

test('incompatibility reasons come from Confluent verbose messages when given', async () => {
  handler = (req) =>
    req.url?.startsWith('/subjects/')
      ? { status: 200, body: [1, 2] }
      : { status: 200, body: { is_compatible: false, messages: ['READER_FIELD_MISSING_DEFAULT_VALUE b'] } };
  const result = await new HttpSchemaRegistry(base).checkCompatibility('t-value', schema);
  expect(result).toEqual({
    compatible: false,
    registeredVersions: 2,
    reasons: ['READER_FIELD_MISSING_DEFAULT_VALUE b'],
  });
  expect(seen).toEqual([
    'GET /subjects/t-value/versions',
    'POST /compatibility/subjects/t-value/versions?verbose=true',
  ]);
});

test("without messages (Apicurio's ccompat API) the reason is taken from Apicurio's dry run", async () => {
  handler = (req) => {
    if (req.url?.startsWith('/apis/ccompat/v7/subjects/')) return { status: 200, body: [1] };
    if (req.url?.startsWith('/apis/ccompat/v7/compatibility/'))
      return { status: 200, body: { is_compatible: false } };
    return {
      status: 400,
      body: { detail: 'Incompatible artifact: t-value [AVRO], list of diff types: [b at /fields/1]' },
    };
  };
  const result = await new HttpSchemaRegistry(`${base}/apis/ccompat/v7`).checkCompatibility(
    't-value',
    schema,
  );
  expect(result.reasons).toEqual([
    'Incompatible artifact: t-value [AVRO], list of diff types: [b at /fields/1]',
  ]);
  expect(seen.at(-1)).toBe('POST /apis/registry/v3/groups/default/artifacts/t-value/versions?dryRun=true');
});

test('a subject with no versions is new: compatible without asking the compatibility endpoint', async () => {
  handler = () => ({ status: 404, body: { error_code: 40401, message: 'Subject not found' } });
  expect(await new HttpSchemaRegistry(base).checkCompatibility('new-value', schema)).toEqual({
    compatible: true,
    registeredVersions: 0,
    reasons: [],
  });
  expect(seen).toEqual(['GET /subjects/new-value/versions']);
});

test('registryFromEnvironment: local ids without a URL; SCHEMA_REGISTRY_AUTO_REGISTER is true or false', () => {
  expect(registryFromEnvironment({})).toBeInstanceOf(LocalSchemaRegistry);
  const production = registryFromEnvironment({
    SCHEMA_REGISTRY_URL: base,
    SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
  });
  expect(production).toBeInstanceOf(HttpSchemaRegistry);
  expect(production.autoRegister).toBe(false);
  expect(registryFromEnvironment({ SCHEMA_REGISTRY_URL: base }).autoRegister).toBe(true);
  expect(() =>
    registryFromEnvironment({ SCHEMA_REGISTRY_URL: base, SCHEMA_REGISTRY_AUTO_REGISTER: 'no' }),
  ).toThrow(/SCHEMA_REGISTRY_AUTO_REGISTER="no": true or false/);
});

test('an id not seen yet is fetched synchronously; an id the registry does not know is not asked again at once', async () => {
  // The synchronous fetch blocks this thread, so the scripted registry answers from a worker.
  const worker = new Worker(
    `const { createServer } = require('node:http');
     const { parentPort } = require('node:worker_threads');
     const seen = [];
     const schema = ${JSON.stringify(JSON.stringify(schema))};
     const server = createServer((req, res) => {
       seen.push(req.method + ' ' + req.url);
       const known = req.url === '/schemas/ids/41';
       res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
       res.end(JSON.stringify(known ? { schema } : { error_code: 40403, message: 'Schema not found' }));
     });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
     parentPort.on('message', () => parentPort.postMessage(seen));`,
    { eval: true },
  );
  try {
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    const registry = new HttpSchemaRegistry(`http://127.0.0.1:${port}`);
    expect(registry.typeById(41)?.name).toBe('T');
    expect(registry.typeById(41)?.name).toBe('T');
    expect(registry.typeById(42)).toBeUndefined();
    expect(registry.typeById(42)).toBeUndefined();
    worker.postMessage('seen?');
    expect(await new Promise((resolve) => worker.once('message', resolve))).toEqual([
      'GET /schemas/ids/41',
      'GET /schemas/ids/42',
    ]);
  } finally {
    await worker.terminate();
  }
});
