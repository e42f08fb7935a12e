import { createFakeHttpServer, checkNonNegative, checkRate } from '../fake-http-server.ts';
import { seededRandom } from '../seeded-random.ts';

/**
 * A fake SMS provider speaking real HTTP, for tests and the demo: `POST /v1/messages` with
 * `{ to, from, text, reference }`, the API key in a header (401 without it), E.164 numbers only
 * (400 otherwise), injected 503s at `failureRate`, and `Idempotency-Key` replays (the same key is
 * answered with the stored response and not sent twice).
 */
export interface FakeSmsProviderOptions {
  /** The key clients must send. */
  apiKey: string;
  /** Default `x-api-key`. */
  apiKeyHeader?: string;
  port?: number;
  host?: string;
  /** Probability of a 503 before anything is sent. Default 0. */
  failureRate?: number;
  latencyMs?: number;
  seed?: number;
}

export interface ReceivedSms {
  id: string;
  to: string;
  from: string;
  text: string;
  reference: string | null;
  /** The API key header as received. */
  apiKey: string;
  idempotencyKey: string | null;
  receivedAt: number;
}

export interface FakeSmsProvider {
  readonly url: string;
  /** The send endpoint to configure in `SmsChannel.providerUrl`. */
  readonly messagesUrl: string;
  /** Messages accepted (each sent once), oldest first. */
  messages(): ReceivedSms[];
  stats(): {
    requests: number;
    accepted: number;
    unauthorized: number;
    invalid: number;
    failed: number;
    replayed: number;
  };
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export async function startFakeSmsProvider(options: FakeSmsProviderOptions): Promise<FakeSmsProvider> {
  const failureRate = checkRate('failureRate', options.failureRate ?? 0);
  const latencyMs = checkNonNegative('latencyMs', options.latencyMs ?? 0);
  const headerName = (options.apiKeyHeader ?? 'x-api-key').toLowerCase();
  const random = seededRandom(options.seed);
  const server = createFakeHttpServer();
  const received: ReceivedSms[] = [];
  const byKey = new Map<string, { status: number; body: unknown }>();
  const stats = { requests: 0, accepted: 0, unauthorized: 0, invalid: 0, failed: 0, replayed: 0 };

  server.app.post('/v1/messages', async (request, reply) => {
    stats.requests += 1;
    await server.delay(latencyMs);
    const apiKey = request.headers[headerName];
    if (apiKey !== options.apiKey) {
      stats.unauthorized += 1;
      return reply.code(401).send({ error: 'invalid_api_key' });
    }
    const idempotencyKey =
      typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : null;
    const stored = idempotencyKey === null ? undefined : byKey.get(idempotencyKey);
    if (stored !== undefined) {
      stats.replayed += 1;
      return reply.code(stored.status).send(stored.body);
    }
    const { to, from, text, reference } = (request.body ?? {}) as Record<string, unknown>;
    if (typeof to !== 'string' || !E164.test(to) || typeof text !== 'string' || text.length === 0) {
      stats.invalid += 1;
      return reply
        .code(400)
        .send({ error: 'invalid_request', message: 'to must be E.164 and text non-empty' });
    }
    if (random() < failureRate) {
      stats.failed += 1;
      return reply.code(503).send({ error: 'unavailable' });
    }
    stats.accepted += 1;
    const sms: ReceivedSms = {
      id: `sms_${String(stats.accepted).padStart(8, '0')}`,
      to,
      from: typeof from === 'string' ? from : '',
      text,
      reference: typeof reference === 'string' ? reference : null,
      apiKey,
      idempotencyKey,
      receivedAt: Date.now(),
    };
    received.push(sms);
    const response = { status: 202, body: { id: sms.id, status: 'queued' } };
    if (idempotencyKey !== null) byKey.set(idempotencyKey, response);
    return reply.code(response.status).send(response.body);
  });

  const url = await server.listen(options.port, options.host);
  return {
    url,
    messagesUrl: `${url}/v1/messages`,
    messages: () => received.map((sms) => ({ ...sms })),
    stats: () => ({ ...stats }),
    close: () => server.close(),
  };
}
