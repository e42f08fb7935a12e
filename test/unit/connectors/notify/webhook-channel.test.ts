import { WebhookChannel } from '../../../../connectors/notify/webhook-channel.ts';
import {
  startFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from '../../../../connectors/fakes/notify/fake-webhook-receiver.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../../../connectors/notify/webhook-signature.ts';
import { testMessage } from '../support/message.ts';
import { quietLogger } from '../support/quiet-logger.ts';
import type { NotificationMessage } from '../../../../processors/ports.ts';

const SECRET = 'whsec_test_secret';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage =>
  testMessage('WEBHOOK', {
    orderId: 'o-3003',
    recipient: 'merchant-42',
    subject: 'order.status.changed',
    body: 'o-3003 is PAID',
    ...overrides,
  });

describe('WebhookChannel', () => {
  let receiver: FakeWebhookReceiver;
  /** Status the receiver answers with, per recipient (the tests steer failures through it). */
  const statusFor = new Map<string, number>();

  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver({
      secret: SECRET,
      respondWith: (delivery) => statusFor.get((delivery.body as { recipient: string }).recipient) ?? 204,
    });
  });
  afterAll(() => receiver.close());

  const channel = (secret = SECRET, timeoutMs = 2_000) =>
    new WebhookChannel({ url: receiver.url, secret, timeoutMs, logger: quietLogger });

  it('POSTs the message as JSON; the signature verifies on the receiving side', async () => {
    expect(await channel().send(message({ idempotencyKey: 'o-3003:PAID:WEBHOOK' }))).toEqual({ ok: true });
    const delivery = receiver.deliveries().find((d) => d.idempotencyKey === 'o-3003:PAID:WEBHOOK');
    expect(delivery?.verified).toBe(true);
    expect(delivery?.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(delivery?.body).toEqual({
      orderId: 'o-3003',
      recipient: 'merchant-42',
      subject: 'order.status.changed',
      body: 'o-3003 is PAID',
      payload: { orderId: 'o-3003', subject: 'order.status.changed' },
    });
    expect(verifyWebhookSignature(delivery?.rawBody ?? '', delivery?.signature ?? undefined, SECRET)).toBe(
      true,
    );
  });

  it('keeps the same X-Idempotency-Key across retries of the same message', async () => {
    const msg = message({ orderId: 'o-retry' });
    await channel().send(msg);
    await channel().send(msg);
    const keys = receiver
      .deliveries()
      .filter((d) => (d.body as { orderId: string }).orderId === 'o-retry')
      .map((d) => d.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toEqual(keys[1]);
    expect(keys[0]).toMatch(/^o-retry:/);
  });

  it('a tampered body or a wrong secret fails verification at the receiver (401, not retryable)', async () => {
    const delivery = receiver.deliveries().find((d) => d.verified);
    const rawBody = delivery?.rawBody ?? '';
    const tampered = rawBody.replace('PAID', 'SHIPPED');
    expect(verifyWebhookSignature(tampered, delivery?.signature ?? undefined, SECRET)).toBe(false);

    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': delivery?.signature ?? '' },
      body: tampered,
    });
    expect(forged.status).toBe(401);

    expect(await channel('wrong-secret').send(message())).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/^HTTP 401/),
    });
  });

  it('receiver 500 is retryable, 400 is not, 429 is retryable', async () => {
    statusFor.set('r-500', 500).set('r-400', 400).set('r-429', 429);
    expect(await channel().send(message({ recipient: 'r-500' }))).toMatchObject({
      ok: false,
      retryable: true,
      reason: expect.stringMatching(/^HTTP 500/),
    });
    expect(await channel().send(message({ recipient: 'r-400' }))).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/^HTTP 400/),
    });
    expect(await channel().send(message({ recipient: 'r-429' }))).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('a slow receiver times out as retryable', async () => {
    const slow = await startFakeWebhookReceiver({ secret: SECRET, latencyMs: 500 });
    try {
      const outcome = await new WebhookChannel({
        url: slow.url,
        secret: SECRET,
        timeoutMs: 50,
        logger: quietLogger,
      }).send(message());
      expect(outcome).toEqual({ ok: false, retryable: true, reason: 'timeout after 50 ms' });
    } finally {
      await slow.close();
    }
  });

  it('validates its configuration', () => {
    expect(() => new WebhookChannel({ url: 'nope', secret: SECRET })).toThrow(/webhook.url/);
    expect(() => new WebhookChannel({ url: receiver.url, secret: '' })).toThrow(/webhook.secret/);
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"orderId":"o-1","status":"PAID"}';
  const good = signWebhookBody(body, SECRET);

  it('accepts the signature of the exact bytes, as string or Buffer', () => {
    expect(verifyWebhookSignature(body, good, SECRET)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), good, SECRET)).toBe(true);
    expect(verifyWebhookSignature(body, good.toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe(true);
  });

  it('rejects tampering, other secrets and malformed headers', () => {
    expect(verifyWebhookSignature(`${body} `, good, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, good, 'other')).toBe(false);
    for (const header of [
      undefined,
      '',
      good.slice(7),
      `${good}00`,
      `${good}zz`,
      good.slice(0, -2),
      'sha1=abc',
      ['a', 'b'],
    ]) {
      expect(verifyWebhookSignature(body, header, SECRET)).toBe(false);
    }
  });
});
