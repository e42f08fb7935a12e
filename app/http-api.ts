import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Serdes, SerdeError, ValidationError } from '../topology/index.ts';
import { jsonEventSerde } from '../schemas/index.ts';
import type { KafkaClient, StreamsApp } from '../runtime/index.ts';
import { INVENTORY_STORE, type SkuStock } from '../processors/inventory.ts';
import { ORDER_SAGA_STORE, type OrderState } from '../processors/order-saga.ts';

const orderSerde = jsonEventSerde('order-created');

/**
 * The order API: POST /orders (validated like the topic's input, produced as OrderCreated keyed by
 * orderId — the saga ignores a repeated orderId, so retries are safe), GET /orders/:id and
 * GET /stock/:sku answered from the local state stores, health, readiness and Prometheus metrics.
 */
export function buildHttpApi(options: {
  app: StreamsApp;
  apps: ReadonlyMap<string, StreamsApp>;
  kafka: KafkaClient;
  ordersTopic: string;
  registry: Registry;
  /** HTTP APIs of this service's other stream processes: asked when a key's partition is not here. */
  siblings?: readonly string[];
}): FastifyInstance {
  const { app, apps, kafka, ordersTopic, registry } = options;
  const siblings = options.siblings ?? [];
  /** The sibling's answer for `path` (200 body), or undefined; `local=1` keeps it from asking further. */
  const fromSiblings = async (path: string, local: boolean): Promise<unknown> => {
    if (local) return undefined;
    for (const url of siblings) {
      const response = await fetch(`${url}${path}?local=1`).catch(() => null);
      if (response?.ok) return response.json();
    }
    return undefined;
  };
  const server = Fastify({ logger: false, bodyLimit: 1_048_576 });
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  server.post('/orders', async (request, reply) => {
    const body = request.body as Buffer;
    try {
      const order = orderSerde.deserialize(ordersTopic, body);
      const createdAt = order.createdAt ?? Date.now();
      await kafka.produce(ordersTopic, [
        { key: order.orderId, value: JSON.stringify({ ...order, createdAt }), timestamp: createdAt },
      ]);
      return reply.code(202).send({ orderId: order.orderId, status: 'ACCEPTED' });
    } catch (error) {
      if (error instanceof ValidationError || error instanceof SerdeError)
        return reply.code(400).send({ error: error.message });
      throw error;
    }
  });

  /**
   * A key's value from this process's store or, when its partition is owned by a sibling stream
   * process, that sibling's rendered answer; null when neither has it.
   */
  const lookup = async <V>(
    store: string,
    key: string,
    path: string,
    local: boolean,
  ): Promise<{ here: V } | { sibling: unknown } | null> => {
    const here = await app.queryKeyValue<string, V>(store, key, Serdes.String());
    if (here) return { here };
    const sibling = await fromSiblings(path, local);
    return sibling ? { sibling } : null;
  };

  server.get<{ Params: { id: string }; Querystring: { local?: string } }>(
    '/orders/:id',
    async (request, reply) => {
      const { id } = request.params;
      const found = await lookup<OrderState>(
        ORDER_SAGA_STORE,
        id,
        `/orders/${encodeURIComponent(id)}`,
        request.query.local === '1',
      );
      if (!found) return reply.code(404).send({ error: `order ${id} not found on this instance` });
      if ('sibling' in found) return found.sibling;
      const order = found.here;
      return {
        orderId: order.orderId,
        status: order.status,
        createdAt: order.createdAt,
        lines: order.lines,
        amount: order.amount,
        currency: order.currency,
      };
    },
  );

  server.get<{ Params: { sku: string }; Querystring: { local?: string } }>(
    '/stock/:sku',
    async (request, reply) => {
      const { sku } = request.params;
      const found = await lookup<SkuStock>(
        INVENTORY_STORE,
        sku,
        `/stock/${encodeURIComponent(sku)}`,
        request.query.local === '1',
      );
      if (!found) return reply.code(404).send({ error: `sku ${sku} not found on this instance` });
      if ('sibling' in found) return found.sibling;
      return { sku, ...found.here };
    },
  );

  const states = () => Object.fromEntries([...apps].map(([name, a]) => [name, a.state]));
  server.get('/healthz', async (_request, reply) => {
    const healthy = [...apps.values()].every((a) => a.state !== 'ERROR' && a.state !== 'NOT_RUNNING');
    return reply.code(healthy ? 200 : 503).send({ states: states() });
  });

  server.get('/readyz', async (_request, reply) => {
    const siblingsReady = await Promise.all(
      siblings.map((url) =>
        fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    const ready = [...apps.values()].every((a) => a.isReady()) && siblingsReady.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ states: states(), ready });
  });

  // The saga core's engine and domain metrics; each other service's engine metrics under its name.
  server.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  server.get<{ Params: { service: string } }>('/metrics/:service', async (request, reply) => {
    const service = apps.get(request.params.service);
    if (!service)
      return reply
        .code(404)
        .send({ error: `no service ${request.params.service}; known: ${[...apps.keys()].join(', ')}` });
    return reply.type(service.metrics.registry.contentType).send(await service.metrics.registry.metrics());
  });
  return server;
}
