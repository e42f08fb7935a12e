import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Serdes, SerdeError, ValidationError } from '../topology/index.ts';
import {
  FieldValidationError,
  ignoredEventFields,
  jsonEventSerde,
  orderFingerprint,
  type FieldProblem,
} from '../schemas/index.ts';
import {
  combinedMetrics,
  PROMETHEUS_CONTENT_TYPE,
  withServerSpan,
  type KafkaClient,
  type StreamsApp,
} from '../runtime/index.ts';
import { INVENTORY_STORE, type SkuStock } from '../processors/inventory.ts';
import { ORDER_SAGA_STORE, type OrderState } from '../processors/order-saga.ts';
import { apiKeyMatches } from './api-key.ts';

const orderSerde = jsonEventSerde('order-created');

/** What the saga's store says about an orderId a POST brings. */
type PriorOrder = 'none' | 'same' | 'different' | 'unknown';

/** The 400 answer: every broken field with its reason (docs/order-validation.md). */
function rejection(error: ValidationError | SerdeError): { error: string; fields: readonly FieldProblem[] } {
  const fields =
    error instanceof FieldValidationError ? error.fields : [{ field: '(body)', reason: error.message }];
  return { error: error.message, fields };
}

/** The ignored fields of a body that decoded (it is JSON then), for the 202 answer. */
function ignoredFieldsOf(body: Buffer): string[] {
  return ignoredEventFields('order-created', JSON.parse(body.toString('utf8')));
}

/**
 * The order API: POST /orders (validated like the topic's input, produced as OrderCreated keyed by
 * orderId; an identical retry is 202 again, other content under a known orderId 409; with an API
 * key configured it needs the key, 401 otherwise), GET /orders/:id and
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
  /** ORDER_API_KEY: POST /orders needs it when set. */
  apiKey?: string | null;
}): FastifyInstance {
  const { app, apps, kafka, ordersTopic, registries } = options;
  const siblings = options.siblings ?? [];
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 5000;
  const apiKey = options.apiKey ?? null;
  const server = Fastify({ logger: false, bodyLimit: 1_048_576 });
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  /**
   * Whether the saga already holds this orderId and with what content, asked of the key's owner
   * through the same forwarding as GET /orders/:id, so it holds whichever instance takes the POST.
   * When no answer is possible (no core here, a rebalance, an owner from before fingerprints) the
   * POST goes ahead as it always did: accepting an order must not depend on queries working.
   */
  const priorOrder = async (orderId: string, fingerprint: string): Promise<PriorOrder> => {
    const query = new URLSearchParams({ fingerprint });
    const found = await lookup<OrderState>(
      ORDER_SAGA_STORE,
      orderId,
      `/orders/${encodeURIComponent(orderId)}?${query}`,
      false,
    ).catch(() => ({ unavailable: 'query failed' }));
    if (!found) return 'none';
    if ('unavailable' in found) return 'unknown';
    const same = 'here' in found ? sameContent(found.here, fingerprint) : remoteSameContent(found.remote);
    return same === null ? 'unknown' : same ? 'same' : 'different';
  };

  // ORDER_API_KEY guards POST /orders only: reads, health and metrics stay open. Checked when the
  // request arrives, before its body is read, so an anonymous client cannot make us parse 1 MB.
  server.addHook('onRequest', async (request, reply) => {
    if (apiKey === null || request.method !== 'POST' || request.routeOptions.url !== '/orders') return;
    if (apiKeyMatches(apiKey, request.headers)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: 'POST /orders needs the API key: Authorization: Bearer <key> or x-api-key: <key>' });
  });

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
          // Why 409 is best effort: the store knows an order once the saga has processed it, so two
          // conflicting POSTs within that gap (produce → saga, typically milliseconds up to a commit
          // interval) are both answered 202. The saga keeps the first in partition order and drops
          // the second (saga_duplicate_orders_total): still one order per orderId, but the second
          // client learns it only from GET /orders/:id.
          const prior = await priorOrder(order.orderId, orderFingerprint(order));
          span.setAttribute('order.prior', prior);
          if (prior === 'different') {
            span.setAttribute('http.response.status_code', 409);
            return reply.code(409).send({
              error: `order ${order.orderId} was already accepted with other content (customerId, items, currency, paymentMethod or contact); use a new orderId`,
              orderId: order.orderId,
            });
          }
          const ignoredFields = ignoredFieldsOf(body);
          const accepted = {
            orderId: order.orderId,
            status: 'ACCEPTED',
            ...(ignoredFields.length > 0 ? { ignoredFields } : {}),
          };
          // An identical retry of an order the saga holds is answered as the first POST was, without
          // producing it again (the saga would only drop and count it as a duplicate).
          if (prior === 'same') {
            span.setAttribute('http.response.status_code', 202);
            return reply.code(202).send(accepted);
          }
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
          return reply.code(202).send(accepted);
        } catch (error) {
          if (error instanceof ValidationError || error instanceof SerdeError) {
            span.setAttribute('http.response.status_code', 400);
            return reply.code(400).send(rejection(error));
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
    if (app.isRestoring(store, key, Serdes.String()))
      return { unavailable: `this instance is restoring the partition of ${key} (after a rebalance)` };
    if (local) return null;
    const owner = await app.queryMetadataForKey(store, key, Serdes.String());
    if (owner.local) return null;
    if (!owner.activeHost)
      return {
        unavailable: `no instance owns partition ${owner.partition} of ${store} right now (rebalancing)`,
      };
    const separator = path.includes('?') ? '&' : '?';
    const response = await fetch(`http://${owner.activeHost}${path}${separator}local=1`, {
      signal: AbortSignal.timeout(forwardTimeoutMs),
    }).catch((error: unknown) => ({ error }));
    if ('error' in response)
      return { unavailable: `the owner ${owner.activeHost} did not answer: ${String(response.error)}` };
    if (response.status === 404) return null;
    if (!response.ok) return { unavailable: `the owner ${owner.activeHost} answered ${response.status}` };
    return { remote: await response.json() };
  };

  // `fingerprint` (from a POST on another instance) adds `sameContent`: whether the order held
  // here was made from content with that fingerprint (null: stored before fingerprints existed).
  server.get<{ Params: { id: string }; Querystring: { local?: string; fingerprint?: string } }>(
    '/orders/:id',
    async (request, reply) => {
      const { id } = request.params;
      const { fingerprint } = request.query;
      const found = await lookup<OrderState>(
        ORDER_SAGA_STORE,
        id,
        `/orders/${encodeURIComponent(id)}${fingerprint === undefined ? '' : `?${new URLSearchParams({ fingerprint })}`}`,
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
        ...(fingerprint === undefined ? {} : { sameContent: sameContent(order, fingerprint) }),
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

/** Whether a stored order was made from content with this fingerprint; null when it has none. */
function sameContent(order: OrderState, fingerprint: string): boolean | null {
  return order.fingerprint === undefined ? null : order.fingerprint === fingerprint;
}

/** `sameContent` of an owner's answer; null when it has none (an owner from before fingerprints). */
function remoteSameContent(answer: unknown): boolean | null {
  const value = (answer as { sameContent?: unknown } | null)?.sameContent;
  return typeof value === 'boolean' ? value : null;
}
