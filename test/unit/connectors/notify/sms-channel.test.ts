import { SmsChannel } from '../../../../connectors/notify/sms-channel.ts';
import {
  startFakeSmsProvider,
  type FakeSmsProvider,
} from '../../../../connectors/fakes/notify/fake-sms-provider.ts';
import { testMessage } from '../support/message.ts';
import { quietLogger } from '../support/quiet-logger.ts';
import type { NotificationMessage } from '../../../../processors/ports.ts';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage =>
  testMessage('SMS', {
    orderId: 'o-2002',
    recipient: '+4915112345678',
    subject: 'ignored for SMS',
    body: 'Your order o-2002 was paid.',
    ...overrides,
  });

describe('SmsChannel over HTTP', () => {
  let provider: FakeSmsProvider;

  beforeAll(async () => {
    provider = await startFakeSmsProvider({ apiKey: 'sms-secret-key' });
  });
  afterAll(() => provider.close());

  const channel = (apiKey = 'sms-secret-key') =>
    new SmsChannel({
      providerUrl: provider.messagesUrl,
      apiKey,
      from: 'SHOP',
      timeoutMs: 2_000,
      logger: quietLogger,
    });

  it('the provider receives the message with the API key', async () => {
    expect(await channel().send(message({ idempotencyKey: 'o-2002:PAID:SMS' }))).toEqual({ ok: true });
    const sent = provider.messages().find((sms) => sms.idempotencyKey === 'o-2002:PAID:SMS');
    expect(sent).toMatchObject({
      to: '+4915112345678',
      from: 'SHOP',
      text: 'Your order o-2002 was paid.',
      reference: 'o-2002',
      apiKey: 'sms-secret-key',
    });
  });

  it('a retry with the same idempotency key is not sent twice', async () => {
    const before = provider.messages().length;
    const msg = message({ orderId: 'o-dup' });
    expect(await channel().send(msg)).toEqual({ ok: true });
    expect(await channel().send(msg)).toEqual({ ok: true });
    expect(provider.messages().length).toBe(before + 1);
  });

  it('a wrong API key (401) and an invalid number (400) are not retryable', async () => {
    expect(await channel('wrong').send(message())).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/^HTTP 401/),
    });
    expect(await channel().send(message({ recipient: '12345' }))).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/^HTTP 400/),
    });
  });

  it('provider 503s are retryable', async () => {
    const failing = await startFakeSmsProvider({ apiKey: 'k', failureRate: 1 });
    try {
      const outcome = await new SmsChannel({
        providerUrl: failing.messagesUrl,
        apiKey: 'k',
        from: 'SHOP',
        logger: quietLogger,
      }).send(message());
      expect(outcome).toMatchObject({
        ok: false,
        retryable: true,
        reason: expect.stringMatching(/^HTTP 503/),
      });
      expect(failing.messages()).toHaveLength(0);
    } finally {
      await failing.close();
    }
  });

  it('a slow provider times out as retryable', async () => {
    const slow = await startFakeSmsProvider({ apiKey: 'k', latencyMs: 500 });
    try {
      const outcome = await new SmsChannel({
        providerUrl: slow.messagesUrl,
        apiKey: 'k',
        from: 'SHOP',
        timeoutMs: 50,
        logger: quietLogger,
      }).send(message());
      expect(outcome).toEqual({ ok: false, retryable: true, reason: 'timeout after 50 ms' });
    } finally {
      await slow.close();
    }
  });

  it('uses a custom API key header', async () => {
    const custom = await startFakeSmsProvider({ apiKey: 'k2', apiKeyHeader: 'Authorization-Token' });
    try {
      const sms = new SmsChannel({
        providerUrl: custom.messagesUrl,
        apiKey: 'k2',
        apiKeyHeader: 'Authorization-Token',
        from: 'SHOP',
      });
      expect(await sms.send(message())).toEqual({ ok: true });
    } finally {
      await custom.close();
    }
  });
});
