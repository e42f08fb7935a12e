import { readFileSync } from 'node:fs';
import { allSettings, pipelineConfigFromEnv } from '../../../app/config.ts';
import { configReferenceMarkdown, helpText, withConfigReference } from '../../../app/config-reference.ts';

const OPERATIONS = new URL('../../../docs/operations.md', import.meta.url);

describe('configuration reference generated from app/config.ts', () => {
  test('docs/operations.md holds what the generator produces (else: npm run docs:config)', () => {
    const current = readFileSync(OPERATIONS, 'utf8');
    const expected = withConfigReference(current);
    if (current !== expected)
      throw new Error(
        'docs/operations.md is out of date with the settings table of app/config.ts: run `npm run docs:config` and commit the result',
      );
  });

  test('every variable is documented once, with a description, in --help and in the docs', () => {
    const names = allSettings().flatMap((s) => s.vars.map((v) => v.name));
    expect(new Set(names).size).toBe(names.length);
    const help = helpText();
    const docs = configReferenceMarkdown();
    for (const setting of allSettings())
      for (const envVar of setting.vars) {
        expect(envVar.description.length).toBeGreaterThan(10);
        expect(help).toContain(envVar.name);
        expect(docs).toContain(`\`${envVar.name}\``);
      }
  });

  test('the documented defaults are the parsed defaults', () => {
    const config = pipelineConfigFromEnv({});
    const defaults = new Map(allSettings().flatMap((s) => s.vars.map((v) => [v.name, v.default])));
    expect(defaults.get('KAFKA_BOOTSTRAP')).toBe(config.bootstrapServers.join(','));
    expect(defaults.get('APPLICATION_ID')).toBe(config.applicationId);
    expect(defaults.get('INSTANCE_ID')).toBe(config.instanceId);
    expect(defaults.get('PARTITIONS')).toBe(String(config.partitions));
    expect(defaults.get('REPLICATION_FACTOR')).toBe(String(config.replicationFactor));
    expect(defaults.get('STORE_TYPE')).toBe(config.storeType);
    expect(defaults.get('STORE_CACHE_MAX_BYTES')).toBe(String(config.storeCacheMaxBytes));
    expect(defaults.get('NUM_STANDBY_REPLICAS')).toBe(String(config.numStandbyReplicas));
    expect(defaults.get('OUTPUT_FORMAT')).toBe(config.outputFormat);
    expect(defaults.get('HTTP_HOST')).toBe(config.httpHost);
    expect(defaults.get('HTTP_PORT')).toBe(String(config.httpPort));
    expect(defaults.get('PAYMENT_GATEWAY_URL')).toBe(config.paymentGatewayUrl);
    expect(defaults.get('PAYMENT_MAX_ATTEMPTS')).toBe(String(config.paymentMaxAttempts));
    expect(defaults.get('RESERVATION_TIMEOUT_MS')).toBe(String(config.reservationTimeoutMs));
    expect(defaults.get('STREAM_PROCESSES')).toBe(String(config.streamProcesses));
    const smtp = pipelineConfigFromEnv({ SMTP_HOST: 'mail' }).smtp;
    expect(defaults.get('SMTP_PORT')).toBe(String(smtp?.port));
    expect(defaults.get('SMTP_FROM')).toBe(smtp?.from);
    expect(defaults.get('SMS_FROM')).toBe(
      pipelineConfigFromEnv({ SMS_PROVIDER_URL: 'http://sms' }).sms?.from,
    );
  });
});
