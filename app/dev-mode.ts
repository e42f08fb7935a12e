/**
 * `npm start -- --dev` (or PIPELINE_MODE=dev): the pipeline with its third parties faked beside it
 * on 127.0.0.1 — the payment gateway, an SMTP server, an SMS provider and a webhook receiver, the
 * same doubles as the demo (connectors/testing.ts), speaking the real protocols — so a developer
 * sees orders reach SHIPPED without any account anywhere. Without it nothing changes.
 */
import type * as Testing from '../connectors/testing.ts';
import { ConfigError } from '../topology/index.ts';
import type { PipelineConfig } from './config.ts';

/** Credentials the doubles expect; they guard nothing, they only make the calls look real. */
export const DEV_SMS_API_KEY = 'dev-sms-key';
export const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';

/** Where the doubles listen. */
export interface DevDoubleAddresses {
  readonly gatewayUrl: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly smsUrl: string;
  readonly webhookUrl: string;
}

export interface DevDoubles extends DevDoubleAddresses {
  /** What the doubles received so far, for the log line at exit. */
  counts(): { charges: number; emails: number; sms: number; webhooks: number };
  close(): Promise<void>;
}

/** `--dev` among the arguments, or PIPELINE_MODE=dev; any other PIPELINE_MODE is a ConfigError. */
export function isDevMode(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const mode = env.PIPELINE_MODE ?? '';
  if (mode !== '' && mode !== 'dev' && mode !== 'production')
    throw new ConfigError('PIPELINE_MODE', mode, 'dev or production (unset: production)');
  return argv.includes('--dev') || mode === 'dev';
}

/** The configuration with every third party pointed at the doubles (and nothing else changed). */
export function devConfig(base: PipelineConfig, doubles: DevDoubleAddresses): PipelineConfig {
  return {
    ...base,
    paymentGatewayUrl: doubles.gatewayUrl,
    smtp: { host: doubles.smtp.host, port: doubles.smtp.port, from: base.smtp?.from ?? 'orders@example.com' },
    sms: { providerUrl: doubles.smsUrl, apiKey: DEV_SMS_API_KEY, from: base.sms?.from ?? 'SHOP' },
    webhook: { url: doubles.webhookUrl, secret: DEV_WEBHOOK_SECRET },
  };
}

/** The lines printed at start: where each double listens. */
export function describeDevDoubles(doubles: DevDoubleAddresses): string[] {
  return [
    'dev mode: third parties are faked on 127.0.0.1 (nothing leaves this machine)',
    `  payment gateway   ${doubles.gatewayUrl}  (paymentMethod "card_declined" is declined)`,
    `  SMTP server       smtp://${doubles.smtp.host}:${doubles.smtp.port}  (e-mails kept in memory)`,
    `  SMS provider      ${doubles.smsUrl}`,
    `  webhook receiver  ${doubles.webhookUrl}`,
  ];
}

/**
 * The doubles need devDependencies (smtp-server), which a production install (the Docker image,
 * `npm ci --omit=dev`) leaves out: they are loaded only when dev mode asks for them, by a
 * specifier the start path does not import, and their absence is one clear sentence.
 */
async function loadDoubles(): Promise<typeof Testing> {
  const specifier = '../connectors/testing.ts';
  try {
    return (await import(specifier)) as typeof Testing;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'PIPELINE_MODE',
      'dev',
      `an install with devDependencies (npm install; this one lacks them: ${(error as Error).message})`,
    );
  }
}

/** Starts the four doubles; closes the ones started if one fails. */
export async function startDevDoubles(): Promise<DevDoubles> {
  const { startFakeGateway, startFakeSmsProvider, startFakeWebhookReceiver, startTestSmtpServer } =
    await loadDoubles();
  const gateway = await startFakeGateway();
  const smtp = await startTestSmtpServer().catch(async (error: unknown) => {
    await gateway.close();
    throw error;
  });
  const sms = await startFakeSmsProvider({ apiKey: DEV_SMS_API_KEY }).catch(async (error: unknown) => {
    await Promise.allSettled([gateway.close(), smtp.close()]);
    throw error;
  });
  const webhooks = await startFakeWebhookReceiver({ secret: DEV_WEBHOOK_SECRET }).catch(
    async (error: unknown) => {
      await Promise.allSettled([gateway.close(), smtp.close(), sms.close()]);
      throw error;
    },
  );
  return {
    gatewayUrl: gateway.url,
    smtp: { host: smtp.host, port: smtp.port },
    smsUrl: sms.messagesUrl,
    webhookUrl: webhooks.url,
    counts: () => ({
      charges: [...gateway.charges().values()].flat().length,
      emails: smtp.messages().length,
      sms: sms.messages().length,
      webhooks: webhooks.deliveries().length,
    }),
    close: async () => {
      await Promise.allSettled([gateway.close(), smtp.close(), sms.close(), webhooks.close()]);
    },
  };
}
