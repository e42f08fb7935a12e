import pg from 'pg';
import {
  EmailChannel,
  PaymentGatewayClient,
  SmsChannel,
  WebhookChannel,
  applyBatch,
  asUnavailableIfTransient,
  migrate,
  nextDelayMs,
  type NotificationChannel,
} from '../connectors/index.ts';
import type { BackoffPolicy, NotifierPort, PaymentPort } from '../processors/ports.ts';
import type { ReadModelPort } from '../processors/read-model-sink.ts';
import type { PipelineConfig } from './config.ts';

/** A charge attempt waits at most this long: a slow gateway becomes a retry, not a stalled partition. */
const CHARGE_TIMEOUT_MS = 2000;

export function paymentPort(config: PipelineConfig): PaymentPort {
  const client = new PaymentGatewayClient({ baseUrl: config.paymentGatewayUrl });
  return {
    charge: (request, options) =>
      client.charge(request, { idempotencyKey: options.idempotencyKey, timeoutMs: CHARGE_TIMEOUT_MS }),
    refund: (chargeId, idempotencyKey) => client.refund(chargeId, idempotencyKey),
  };
}

export function notifierPort(config: PipelineConfig): NotifierPort {
  const channels = new Map<string, NotificationChannel>();
  if (config.smtp)
    channels.set(
      'EMAIL',
      new EmailChannel({ host: config.smtp.host, port: config.smtp.port, from: config.smtp.from }),
    );
  if (config.sms)
    channels.set(
      'SMS',
      new SmsChannel({
        providerUrl: config.sms.providerUrl,
        apiKey: config.sms.apiKey,
        from: config.sms.from,
      }),
    );
  if (config.webhook)
    channels.set('WEBHOOK', new WebhookChannel({ url: config.webhook.url, secret: config.webhook.secret }));
  return {
    send: async (channel, message) => {
      const target = channels.get(channel);
      if (!target) return { ok: false, retryable: false, reason: `${channel} channel is not configured` };
      return target.send(message);
    },
  };
}

/** Retries back off exponentially from 100 ms to 2 s with full jitter, so retries of many orders spread out. */
export const backoff: BackoffPolicy = (attempt) =>
  nextDelayMs(attempt, { baseMs: 100, maxMs: 2000, jitter: 'full' });

export async function readModelPort(
  config: PipelineConfig,
): Promise<{ port: ReadModelPort; close: () => Promise<void> } | null> {
  if (!config.databaseUrl) return null;
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  await migrate(pool);
  return {
    port: {
      apply: async (record) => {
        try {
          await applyBatch(pool, config.applicationId, [record]);
        } catch (error) {
          // The database away is retried (the status change waits), a bad statement is not.
          throw asUnavailableIfTransient(
            error,
            `read model write of ${record.topic}-${record.partition}@${record.offset}`,
          );
        }
      },
    },
    close: () => pool.end(),
  };
}
