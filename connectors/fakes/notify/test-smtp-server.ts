import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { parseEmail, type ParsedEmail } from './parse-email.ts';

/** One message as the SMTP server received it. */
export interface CapturedEmail extends ParsedEmail {
  /** Envelope sender (MAIL FROM). */
  envelopeFrom: string;
  /** Envelope recipients (RCPT TO), the addresses the message was actually delivered to. */
  envelopeTo: string[];
  receivedAt: number;
}

export interface TestSmtpServerOptions {
  /** Default: an ephemeral port. */
  port?: number;
  host?: string;
  /**
   * Refuse a recipient at RCPT TO with this SMTP reply (e.g. `{ code: 550 }` permanent,
   * `{ code: 450 }` temporary), to exercise the channel's error handling.
   */
  rejectRecipient?: (address: string) => { code: number; message?: string } | null | undefined;
}

export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  /** Everything received so far, oldest first. */
  messages(): CapturedEmail[];
  /** Resolves once at least `count` messages arrived; rejects after `timeoutMs` (default 5000). */
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedEmail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) that accepts mail without TLS or authentication and keeps it in
 * memory: the third party the e-mail channel talks to in tests and the demo.
 */
export async function startTestSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const captured: CapturedEmail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    logger: false,
    // Plain SMTP on loopback: no certificate to manage and nothing to authenticate in tests.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    // Tests close the server right after the last message; pending sessions need not linger.
    closeTimeout: 500,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rejection = options.rejectRecipient?.(address.address);
      if (rejection === null || rejection === undefined) return callback();
      const error = Object.assign(new Error(rejection.message ?? `Recipient <${address.address}> refused`), {
        responseCode: rejection.code,
      });
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        captured.push({
          ...parseEmail(Buffer.concat(chunks).toString('utf8')),
          envelopeFrom: mailFrom === false ? '' : mailFrom.address,
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          receivedAt: Date.now(),
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP server has no TCP address');

  return {
    host,
    port: address.port,
    messages: () => [...captured],
    waitForMessages(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (captured.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...captured]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} e-mails within ${timeoutMs} ms, got ${captured.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
