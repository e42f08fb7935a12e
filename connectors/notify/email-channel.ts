import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import nodemailer, { type Transporter } from 'nodemailer';
import { createLogger, type Logger } from '../../runtime/index.ts';
import { ConfigError } from '../../topology/index.ts';
import { checkNonEmpty, checkTimeoutMs } from '../http/options.ts';
import type { DeliveryOutcome, NotificationMessage } from '../../processors/ports.ts';
import type { NotificationChannel } from './channel.ts';

export interface EmailChannelConfig {
  host: string;
  port: number;
  /** Envelope and header sender, e.g. `shop@example.com` or `"Shop" <shop@example.com>`. */
  from: string;
  /** Implicit TLS (port 465). Default false: plain SMTP, upgraded with STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Bounds connecting, the greeting and each SMTP command of one attempt. Default 10000. */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * nodemailer waits up to 2 minutes (connect) and 10 minutes (socket idle) by default. A notification
 * attempt should fail fast and be retried by the punctuator instead; 10 s still covers a slow relay.
 */
const DEFAULT_TIMEOUT_MS = 10_000;

/** nodemailer's codes for failures that another attempt may not hit (network, timeouts). */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNRESET',
  'ECONNREFUSED',
]);

/**
 * E-mail over SMTP with nodemailer, one connection per message (no pool to keep alive or close
 * between notifications). The Message-ID is derived from the delivery's idempotency key, so a retry
 * of the same notification carries the same Message-ID and mail systems can collapse duplicates.
 */
export class EmailChannel implements NotificationChannel {
  readonly channel = 'EMAIL' as const;
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #domain: string;
  readonly #logger: Logger;

  constructor(config: EmailChannelConfig) {
    const host = checkNonEmpty('email.host', config.host);
    if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65_535) {
      throw new ConfigError('email.port', config.port, 'an integer in 1..65535');
    }
    this.#from = checkNonEmpty('email.from', config.from);
    this.#domain = /@([^>\s]+)/.exec(this.#from)?.[1] ?? 'localhost';
    const timeoutMs = checkTimeoutMs('email.timeoutMs', config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#transport = nodemailer.createTransport({
      host,
      port: config.port,
      secure: config.secure ?? false,
      auth: config.auth,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    this.#logger = config.logger ?? createLogger('connectors.notify.email');
  }

  /** One delivery, as a client span (child of the record being processed) named after the channel. */
  send(message: NotificationMessage): Promise<DeliveryOutcome> {
    return trace.getTracer('kafka-ecommerce-pipeline.connectors').startActiveSpan(
      'smtp send',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'notification.channel': 'email', 'order.id': message.orderId },
      },
      async (span) => {
        try {
          const outcome = await this.deliver(message);
          if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
          return outcome;
        } finally {
          span.end();
        }
      },
    );
  }

  private async deliver(message: NotificationMessage): Promise<DeliveryOutcome> {
    const { idempotencyKey } = message;
    let outcome: DeliveryOutcome;
    try {
      const info = (await this.#transport.sendMail({
        from: this.#from,
        to: message.recipient,
        subject: message.subject,
        text: message.body,
        messageId: `<${idempotencyKey.replace(/[^A-Za-z0-9.\-_:]/g, '_')}@${this.#domain}>`,
        headers: { 'X-Order-Id': message.orderId, 'X-Idempotency-Key': idempotencyKey },
      })) as { rejected?: unknown[] };
      const rejected = info.rejected ?? [];
      outcome =
        rejected.length === 0
          ? { ok: true }
          : { ok: false, retryable: false, reason: `recipient rejected: ${rejected.map(String).join(', ')}` };
    } catch (error) {
      outcome = classifySmtpError(error);
    }
    if (!outcome.ok)
      this.#logger.warn({ orderId: message.orderId, idempotencyKey, ...outcome }, 'email delivery failed');
    return outcome;
  }

  /** Releases the transport; sockets are per message, so this only matters for a clean shutdown. */
  close(): void {
    this.#transport.close();
  }
}

/** SMTP 4xx replies are temporary by definition (RFC 5321), 5xx permanent; network trouble is temporary. */
export function classifySmtpError(error: unknown): DeliveryOutcome {
  const { code, responseCode, message } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    message?: unknown;
  };
  const reason = [code, responseCode, message].filter((part) => part !== undefined).join(' ');
  if (typeof responseCode === 'number') {
    return { ok: false, retryable: responseCode >= 400 && responseCode < 500, reason };
  }
  // Auth, envelope (no valid recipient) and message errors repeat on every attempt.
  return { ok: false, retryable: typeof code === 'string' && TRANSIENT_CODES.has(code), reason };
}
