import { pipelineConfigFromEnv } from '../../../app/config.ts';
import {
  DEV_SMS_API_KEY,
  DEV_WEBHOOK_SECRET,
  describeDevDoubles,
  devConfig,
  isDevMode,
  startDevDoubles,
} from '../../../app/dev-mode.ts';
import { ConfigError } from '../../../topology/index.ts';

const doubles = {
  gatewayUrl: 'http://127.0.0.1:4001',
  smtp: { host: '127.0.0.1', port: 4002 },
  smsUrl: 'http://127.0.0.1:4003/messages',
  webhookUrl: 'http://127.0.0.1:4004/hooks',
};

describe('dev mode', () => {
  test('on with --dev or PIPELINE_MODE=dev, off otherwise; another mode is a ConfigError', () => {
    expect(isDevMode(['--dev'], {})).toBe(true);
    expect(isDevMode([], { PIPELINE_MODE: 'dev' })).toBe(true);
    expect(isDevMode([], {})).toBe(false);
    expect(isDevMode([], { PIPELINE_MODE: 'production' })).toBe(false);
    expect(() => isDevMode([], { PIPELINE_MODE: 'devv' })).toThrow(ConfigError);
  });

  test('the config points every third party at the doubles and changes nothing else', () => {
    const base = pipelineConfigFromEnv({
      SMTP_FROM: 'shop@example.com',
      APPLICATION_ID: 'mine',
      HTTP_PORT: '9000',
    });
    const config = devConfig(base, doubles);
    expect(config).toEqual({
      ...base,
      paymentGatewayUrl: 'http://127.0.0.1:4001',
      smtp: { host: '127.0.0.1', port: 4002, from: 'orders@example.com' },
      sms: { providerUrl: 'http://127.0.0.1:4003/messages', apiKey: DEV_SMS_API_KEY, from: 'SHOP' },
      webhook: { url: 'http://127.0.0.1:4004/hooks', secret: DEV_WEBHOOK_SECRET },
    });
    expect(config.applicationId).toBe('mine');
    expect(config.httpPort).toBe(9000);
  });

  test('a configured sender is kept', () => {
    const base = pipelineConfigFromEnv({
      SMTP_HOST: 'mail',
      SMTP_FROM: 'shop@example.com',
      SMS_PROVIDER_URL: 'http://x',
      SMS_FROM: 'ACME',
    });
    const config = devConfig(base, doubles);
    expect(config.smtp).toEqual({ host: '127.0.0.1', port: 4002, from: 'shop@example.com' });
    expect(config.sms?.from).toBe('ACME');
  });

  test('the start lines name every double', () => {
    const text = describeDevDoubles(doubles).join('\n');
    for (const url of [
      'http://127.0.0.1:4001',
      'smtp://127.0.0.1:4002',
      'http://127.0.0.1:4003/messages',
      'http://127.0.0.1:4004/hooks',
    ])
      expect(text).toContain(url);
  });

  test('the doubles start on 127.0.0.1 and close', async () => {
    const started = await startDevDoubles();
    try {
      expect(started.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      expect(started.smtp.host).toBe('127.0.0.1');
      expect(started.counts()).toEqual({ charges: 0, emails: 0, sms: 0, webhooks: 0 });
    } finally {
      await started.close();
    }
  });
});
