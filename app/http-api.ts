import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Serdes, SerdeError, ValidationError } from '../topology/index.ts';
import { jsonEventSerde } from '../schemas/index.ts';
import {
  combinedMetrics,
  PROMETHEUS_CONTENT_TYPE,
  withServerSpan,
  type KafkaClient,
  type StreamsApp,
} from '../runtime/index.ts';
import { INVENTORY_STORE, type SkuStock } from '../processors/inventory.ts';
import { ORDER_SAGA_STORE, type OrderState } from '../processors/order-saga.ts';

const orderSerde = jsonEventSerde('order-created');

/**
 * The order API: POST /orders (validated like the topic's input, produced as OrderCreated keyed by
 * orderId — the saga ignores a repeated orderId, so retries are safe), GET /orders/:id and
 * GET /stock/:sku answered from the state stores of whichever instance owns the key (any instance
 * can be asked: it forwards to the owner), health, readiness and Prometheus metrics.
 */
export function buildHttpApi(options: {
  /** The saga core (its stores answer order and stock queries); null when this instance runs without it. */
  app: StreamsApp | null;
  apps: ReadonlyMap<string, StreamsApp>;
  kafka: KafkaClient;
  ordersTopic: string;
  /** Registries of the process beside its apps' (process metrics, the saga's business metrics). */
  registries: readonly Registry[];
  /** HTTP APIs of this service's other stream processes: part of this instance's readiness. */
  siblings?: readonly string[];
  /** How long a forwarded query may take before the answer is 503. */
  forwardTimeoutMs?: number;
}): FastifyInstance {
  const { app, apps, kafka, ordersTopic, registries } = options;
  const siblings = options.siblings ?? [];
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 5000;
  const server = Fastify({ logger: false, bodyLimit: 1_048_576 });
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  // The root of the order's trace: every hop of the saga continues it through record headers.
  server.post('/orders', (request, reply) =>
    withServerSpan(
      'POST /orders',
      request.headers,
      { 'http.request.method': 'POST', 'http.route': '/orders' },
      async (headers, span) => {
        const body = request.body as Buffer;
        try {
          const order = orderSerde.deserialize(ordersTopic, body);
          span.setAttribute('order.id', order.orderId);
          const createdAt = order.createdAt ?? Date.now();
          await kafka.produce(ordersTopic, [
            {
              key: order.orderId,
              value: JSON.stringify({ ...order, createdAt }),
              timestamp: createdAt,
              headers,
            },
          ]);
          span.setAttribute('http.response.status_code', 202);
          return reply.code(202).send({ orderId: order.orderId, status: 'ACCEPTED' });
        } catch (error) {
          if (error instanceof ValidationError || error instanceof SerdeError) {
            span.setAttribute('http.response.status_code', 400);
            return reply.code(400).send({ error: error.message });
          }
          throw error;
        }
      },
    ),
  );

  /**
   * A key's value from this process's store or, when another instance (or stream process) owns the
   * key's partition, that owner's rendered answer (`local=1` keeps the owner from forwarding
   * again); null when the owner does not have it; `unavailable` when no owner can answer now.
   */
  const lookup = async <V>(
    store: string,
    key: string,
    path: string,
    local: boolean,
  ): Promise<{ here: V } | { remote: unknown } | { unavailable: string } | null> => {
    if (!app)
      return { unavailable: 'this instance does not run the saga core (SERVICES); ask one that does' };
    const here = await app.queryKeyValue<string, V>(store, key, Serdes.String());
    if (here) return { here };
    if (local) return null;
    const owner = await app.queryMetadataForKey(store, key, Serdes.String());
    if (owner.local) return null;
    if (!owner.activeHost)
      return {
        unavailable: `no instance owns partition ${owner.partition} of ${store} right now (rebalancing)`,
      };
    const response = await fetch(`http://${owner.activeHost}${path}?local=1`, {
      signal: AbortSignal.timeout(forwardTimeoutMs),
    }).catch((error: unknown) => ({ error }));
    if ('error' in response)
      return { unavailable: `the owner ${owner.activeHost} did not answer: ${String(response.error)}` };
    if (response.status === 404) return null;
    if (!response.ok) return { unavailable: `the owner ${owner.activeHost} answered ${response.status}` };
    return { remote: await response.json() };
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
      if (!found) return reply.code(404).send({ error: `order ${id} not found` });
      if ('unavailable' in found)
        return reply.code(503).header('retry-after', '1').send({ error: found.unavailable });
      if ('remote' in found) return found.remote;
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
      if (!found) return reply.code(404).send({ error: `sku ${sku} not found` });
      if ('unavailable' in found)
        return reply.code(503).header('retry-after', '1').send({ error: found.unavailable });
      if ('remote' in found) return found.remote;
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

  // Everything this process measures in one exposition, so it is one scrape target: every
  // service's engine metrics (labelled service and application_id), the saga's, the process's.
  server.get('/metrics', async (_request, reply) =>
    reply
      .type(PROMETHEUS_CONTENT_TYPE)
      .send(await combinedMetrics([...registries, ...[...apps.values()].map((a) => a.metrics.registry)])),
  );
  // One service's engine metrics alone, for a look by hand; Prometheus scrapes /metrics.
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
