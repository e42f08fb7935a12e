import { EmailChannel } from '../../../../connectors/notify/email-channel.ts';
import {
  startTestSmtpServer,
  type TestSmtpServer,
} from '../../../../connectors/fakes/notify/test-smtp-server.ts';
import { testMessage } from '../support/message.ts';
import { quietLogger } from '../support/quiet-logger.ts';
import type { NotificationMessage } from '../../../../processors/ports.ts';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage =>
  testMessage('EMAIL', {
    orderId: 'o-1001',
    recipient: 'ada@example.com',
    subject: 'Your order o-1001 has shipped',
    body: 'Hello Ada,\nyour order is on its way.',
    ...overrides,
  });

describe('EmailChannel over SMTP', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startTestSmtpServer({
      rejectRecipient: (address) =>
        address.startsWith('nobody@')
          ? { code: 550, message: 'No such user' }
          : address.startsWith('busy@')
            ? { code: 451 }
            : null,
    });
  });
  afterAll(() => smtp.close());

  const channel = () =>
    new EmailChannel({
      host: smtp.host,
      port: smtp.port,
      from: '"Shop" <shop@example.com>',
      timeoutMs: 2_000,
      logger: quietLogger,
    });

  it('delivers to the SMTP server with the right recipient, subject and body', async () => {
    const before = smtp.messages().length;
    expect(await channel().send(message({ idempotencyKey: 'o-1001:SHIPPED:EMAIL' }))).toEqual({ ok: true });
    const [received] = (await smtp.waitForMessages(before + 1)).slice(before);
    expect(received?.envelopeTo).toEqual(['ada@example.com']);
    expect(received?.envelopeFrom).toBe('shop@example.com');
    expect(received?.to).toBe('ada@example.com');
    expect(received?.subject).toBe('Your order o-1001 has shipped');
    expect(received?.text).toBe('Hello Ada,\nyour order is on its way.'.replace('\n', '\r\n'));
    expect(received?.headers.get('x-order-id')).toBe('o-1001');
    expect(received?.headers.get('message-id')).toBe('<o-1001:SHIPPED:EMAIL@example.com>');
  });

  it('decodes non-ASCII subjects', async () => {
    const before = smtp.messages().length;
    expect(await channel().send(message({ subject: 'Bestellung bestätigt ✓' }))).toEqual({ ok: true });
    const [received] = (await smtp.waitForMessages(before + 1)).slice(before);
    expect(received?.subject).toBe('Bestellung bestätigt ✓');
  });

  it('a permanently rejected recipient (550) is not retryable', async () => {
    const outcome = await channel().send(message({ recipient: 'nobody@example.com' }));
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(!outcome.ok && outcome.reason).toMatch(/550/);
  });

  it('a temporary rejection (451) is retryable', async () => {
    expect(await channel().send(message({ recipient: 'busy@example.com' }))).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('an unreachable server is retryable', async () => {
    const down = await startTestSmtpServer();
    const port = down.port;
    await down.close();
    const outcome = await new EmailChannel({
      host: '127.0.0.1',
      port,
      from: 'shop@example.com',
      timeoutMs: 2_000,
      logger: quietLogger,
    }).send(message());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
  });

  it('validates its configuration', () => {
    expect(() => new EmailChannel({ host: '127.0.0.1', port: 0, from: 'a@b.c' })).toThrow(/email.port/);
    expect(() => new EmailChannel({ host: '', port: 25, from: 'a@b.c' })).toThrow(/email.host/);
  });
});
