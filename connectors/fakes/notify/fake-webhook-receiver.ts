import { createFakeHttpServer } from '../fake-http-server.ts';
import { verifyWebhookSignature } from '../../notify/webhook-signature.ts';

/**
 * A webhook subscriber speaking real HTTP, for tests and the demo. It verifies `X-Signature`
 * against the raw body as received (401 when it does not match), records every delivery, and
 * answers with `respondWith`'s status (default 204) so tests can make it fail.
 */
export interface FakeWebhookReceiverOptions {
  secret: string;
  port?: number;
  host?: string;
  /** Status to answer a correctly signed delivery with; called per delivery. Default 204. */
  respondWith?: (delivery: ReceivedWebhook) => number;
  latencyMs?: number;
}

export interface ReceivedWebhook {
  rawBody: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: unknown;
  signature: string | null;
  idempotencyKey: string | null;
  verified: boolean;
  /** The status the receiver answered with. */
  status: number;
  receivedAt: number;
}

export interface FakeWebhookReceiver {
  /** POST deliveries here (any path is accepted). */
  readonly url: string;
  deliveries(): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startFakeWebhookReceiver(
  options: FakeWebhookReceiverOptions,
): Promise<FakeWebhookReceiver> {
  const server = createFakeHttpServer();
  const received: ReceivedWebhook[] = [];
  // Keep the body as the exact string received: the signature is over these bytes, not a re-serialization.
  server.app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  server.app.post('/*', async (request, reply) => {
    await server.delay(options.latencyMs ?? 0);
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const signature = header(request.headers['x-signature']);
    const delivery: ReceivedWebhook = {
      rawBody,
      body: parseJson(rawBody),
      signature,
      idempotencyKey: header(request.headers['x-idempotency-key']),
      verified: verifyWebhookSignature(rawBody, signature ?? undefined, options.secret),
      status: 401,
      receivedAt: Date.now(),
    };
    if (delivery.verified) delivery.status = options.respondWith?.(delivery) ?? 204;
    received.push(delivery);
    return reply
      .code(delivery.status)
      .send(delivery.status === 401 ? { error: 'invalid_signature' } : undefined);
  });

  const url = await server.listen(options.port, options.host);
  return {
    url: `${url}/webhooks/orders`,
    deliveries: () => received.map((d) => ({ ...d })),
    close: () => server.close(),
  };
}

function header(value: string | string[] | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
