import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFakeHttpServer, checkNonNegative, checkRate } from '../fake-http-server.ts';
import { seededRandom } from '../seeded-random.ts';
import type { ChargeRequest } from '../../../processors/ports.ts';

/**
 * A fake card-payment gateway that speaks real HTTP, for tests, the demo and the chaos suite.
 * It behaves like real gateways where the saga depends on it:
 * - `Idempotency-Key` is required; the same key returns the SAME stored response (header
 *   `Idempotent-Replayed: true`) without charging again, and the same key with different parameters
 *   is refused (422). A second request while the first is still in flight gets 409.
 * - Injected 5xx failures happen before anything is charged and are not stored, so a retry with the
 *   same key can still succeed. "Lost responses" charge and store the result but answer 502, which
 *   is how a client ends up retrying a charge that already happened.
 * - Declines are 402 and final: by rule (`paymentMethod: 'card_declined'`, `declineAboveAmount`,
 *   `declineWhen`) or at random (`declineRate`).
 *
 * API: POST /v1/charges, POST /v1/refunds, GET /v1/charges?idempotencyKey=...&orderId=...
 */
export interface FakeGatewayOptions {
  /** Default: an ephemeral port. */
  port?: number;
  host?: string;
  /** Probability that an otherwise acceptable charge is declined (402 `do_not_honor`). Default 0. */
  declineRate?: number;
  /** Probability of a 500 before anything is charged. Default 0. */
  failureRate?: number;
  /** Probability that a charge is made and stored but the client gets a 502. Default 0. */
  lostResponseRate?: number;
  /** Added to every charge and refund request. Default 0. */
  latencyMs?: number;
  /** Makes the random failures and declines reproducible. */
  seed?: number;
  /** Amounts (minor units) strictly above this decline with `amount_too_large`. */
  declineAboveAmount?: number;
  /** A custom rule: a string is the decline code, `true` declines with `card_declined`. */
  declineWhen?: (request: ChargeRequest) => string | boolean | null | undefined;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
}

export interface Charge extends ChargeRequest {
  id: string;
  idempotencyKey: string;
  status: 'succeeded' | 'declined';
  declineCode: string | null;
  refunded: boolean;
  createdAt: number;
}

export interface FakeGatewayStats {
  requests: number;
  succeeded: number;
  declined: number;
  /** Injected 500s (nothing charged). */
  failed: number;
  /** Requests answered from the idempotency store. */
  replayed: number;
  /** 409s: the same key while its first request was still in flight. */
  conflicts: number;
  lostResponses: number;
  refunds: number;
}

export interface FakeGateway {
  /** Base URL, e.g. `http://127.0.0.1:41234`; pass it to `PaymentGatewayClient`. */
  readonly url: string;
  close(): Promise<void>;
  /** Every charge actually executed (succeeded or declined), by idempotency key. Copies. */
  charges(): Map<string, Charge[]>;
  stats(): FakeGatewayStats;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

const DECLINE_RULE_PAYMENT_METHOD = 'card_declined';

export async function startFakeGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const declineRate = checkRate('declineRate', options.declineRate ?? 0);
  const failureRate = checkRate('failureRate', options.failureRate ?? 0);
  const lostResponseRate = checkRate('lostResponseRate', options.lostResponseRate ?? 0);
  const latencyMs = checkNonNegative('latencyMs', options.latencyMs ?? 0);
  const random = seededRandom(options.seed);
  const server = createFakeHttpServer();

  const chargesByKey = new Map<string, Charge[]>();
  const chargesById = new Map<string, Charge>();
  const chargeResponses = new Map<string, StoredResponse>();
  const refundResponses = new Map<string, StoredResponse>();
  const inFlight = new Set<string>();
  const stats: FakeGatewayStats = {
    requests: 0,
    succeeded: 0,
    declined: 0,
    failed: 0,
    replayed: 0,
    conflicts: 0,
    lostResponses: 0,
    refunds: 0,
  };
  let sequence = 0;

  function declineCodeFor(request: ChargeRequest): string | null {
    if (request.paymentMethod === DECLINE_RULE_PAYMENT_METHOD) return 'card_declined';
    if (options.declineAboveAmount !== undefined && request.amount > options.declineAboveAmount) {
      return 'amount_too_large';
    }
    const custom = options.declineWhen?.(request);
    if (typeof custom === 'string' && custom.length > 0) return custom;
    if (custom === true) return 'card_declined';
    return random() < declineRate ? 'do_not_honor' : null;
  }

  function authorized(request: FastifyRequest, reply: FastifyReply): boolean {
    if (options.apiKey === undefined || request.headers.authorization === `Bearer ${options.apiKey}`)
      return true;
    void reply.code(401).send(errorBody('authentication_error', 'invalid_api_key', 'Invalid API key'));
    return false;
  }

  server.app.post('/v1/charges', async (request, reply) => {
    stats.requests += 1;
    if (!authorized(request, reply)) return reply;
    const key = idempotencyKeyOf(request);
    if (key === null) return reply.code(400).send(missingKey());
    const charge = parseChargeRequest(request.body);
    if (typeof charge === 'string') {
      return reply.code(400).send(errorBody('invalid_request_error', 'parameter_invalid', charge));
    }
    const fingerprint = JSON.stringify([
      charge.orderId,
      charge.amount,
      charge.currency,
      charge.paymentMethod,
    ]);

    const stored = chargeResponses.get(key);
    if (stored !== undefined) {
      await server.delay(latencyMs);
      return replay(reply, stored, fingerprint, stats);
    }
    if (inFlight.has(key)) {
      stats.conflicts += 1;
      return reply
        .code(409)
        .send(
          errorBody('idempotency_error', 'request_in_progress', 'A request with this key is in progress'),
        );
    }
    inFlight.add(key);
    try {
      await server.delay(latencyMs);
      if (random() < failureRate) {
        stats.failed += 1;
        return reply.code(500).send(errorBody('api_error', 'internal_error', 'Injected gateway failure'));
      }
      sequence += 1;
      const declineCode = declineCodeFor(charge);
      const executed: Charge = {
        ...charge,
        id: `ch_${String(sequence).padStart(8, '0')}`,
        idempotencyKey: key,
        status: declineCode === null ? 'succeeded' : 'declined',
        declineCode,
        refunded: false,
        createdAt: Date.now(),
      };
      chargesByKey.set(key, [...(chargesByKey.get(key) ?? []), executed]);
      chargesById.set(executed.id, executed);
      const response: StoredResponse =
        declineCode === null
          ? { fingerprint, status: 201, body: chargeBody(executed) }
          : {
              fingerprint,
              status: 402,
              body: errorBody('card_error', declineCode, `Declined: ${declineCode}`),
            };
      chargeResponses.set(key, response);
      if (declineCode === null) stats.succeeded += 1;
      else stats.declined += 1;
      if (random() < lostResponseRate) {
        stats.lostResponses += 1;
        return reply.code(502).send(errorBody('api_error', 'bad_gateway', 'Injected lost response'));
      }
      return reply.code(response.status).send(response.body);
    } finally {
      inFlight.delete(key);
    }
  });

  server.app.post('/v1/refunds', async (request, reply) => {
    stats.requests += 1;
    if (!authorized(request, reply)) return reply;
    const key = idempotencyKeyOf(request);
    if (key === null) return reply.code(400).send(missingKey());
    const body = request.body as { chargeId?: unknown } | null;
    const chargeId = typeof body?.chargeId === 'string' ? body.chargeId : null;
    if (chargeId === null) {
      return reply
        .code(400)
        .send(errorBody('invalid_request_error', 'parameter_invalid', 'chargeId is required'));
    }
    await server.delay(latencyMs);
    const stored = refundResponses.get(key);
    if (stored !== undefined) return replay(reply, stored, chargeId, stats);
    const charge = chargesById.get(chargeId);
    let response: StoredResponse;
    if (charge === undefined) {
      response = {
        fingerprint: chargeId,
        status: 404,
        body: errorBody('invalid_request_error', 'resource_missing', chargeId),
      };
    } else if (charge.status !== 'succeeded') {
      response = {
        fingerprint: chargeId,
        status: 400,
        body: errorBody('invalid_request_error', 'charge_not_refundable', chargeId),
      };
    } else if (charge.refunded) {
      response = {
        fingerprint: chargeId,
        status: 400,
        body: errorBody('invalid_request_error', 'charge_already_refunded', chargeId),
      };
    } else {
      charge.refunded = true;
      stats.refunds += 1;
      const id = `re_${String(stats.refunds).padStart(8, '0')}`;
      response = {
        fingerprint: chargeId,
        status: 200,
        body: { id, object: 'refund', chargeId, amount: charge.amount, status: 'succeeded' },
      };
    }
    refundResponses.set(key, response);
    return reply.code(response.status).send(response.body);
  });

  server.app.get('/v1/charges', async (request) => {
    const query = request.query as { idempotencyKey?: string; orderId?: string };
    const data = [...chargesById.values()].filter(
      (c) =>
        (query.idempotencyKey === undefined || c.idempotencyKey === query.idempotencyKey) &&
        (query.orderId === undefined || c.orderId === query.orderId),
    );
    return { object: 'list', data };
  });

  const url = await server.listen(options.port, options.host);
  return {
    url,
    close: () => server.close(),
    charges: () => new Map([...chargesByKey].map(([key, list]) => [key, list.map((c) => ({ ...c }))])),
    stats: () => ({ ...stats }),
  };
}

function replay(reply: FastifyReply, stored: StoredResponse, fingerprint: string, stats: FakeGatewayStats) {
  if (stored.fingerprint !== fingerprint) {
    return reply
      .code(422)
      .send(
        errorBody(
          'idempotency_error',
          'idempotency_key_reused',
          'Key was used with different request parameters',
        ),
      );
  }
  stats.replayed += 1;
  return reply.code(stored.status).header('idempotent-replayed', 'true').send(stored.body);
}

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const value = request.headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function missingKey() {
  return errorBody('invalid_request_error', 'idempotency_key_required', 'Idempotency-Key header is required');
}

function errorBody(type: string, code: string, message: string) {
  return { error: { type, code, message } };
}

function chargeBody(charge: Charge) {
  return {
    id: charge.id,
    object: 'charge',
    status: charge.status,
    orderId: charge.orderId,
    amount: charge.amount,
    currency: charge.currency,
    paymentMethod: charge.paymentMethod,
    created: charge.createdAt,
  };
}

/** Returns the request or a message naming what is wrong with it. */
function parseChargeRequest(body: unknown): ChargeRequest | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const { orderId, amount, currency, paymentMethod } = body as Record<string, unknown>;
  if (typeof orderId !== 'string' || orderId.length === 0) return 'orderId must be a non-empty string';
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    return 'amount must be a positive integer (minor units)';
  }
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    return 'currency must be an ISO 4217 code';
  if (typeof paymentMethod !== 'string' || paymentMethod.length === 0)
    return 'paymentMethod must be a non-empty string';
  return { orderId, amount, currency, paymentMethod };
}
