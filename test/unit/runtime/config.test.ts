import { resolveStreamsConfig } from '../../../runtime/config.ts';
import { ConfigError } from '../../../engine-common/errors.ts';

describe('resolveStreamsConfig', () => {
  it('fills defaults: exactly-once, dead-letter handling, short commit interval', () => {
    const config = resolveStreamsConfig({ applicationId: 'app', bootstrapServers: ['127.0.0.1:9092'] });
    expect(config.processingGuarantee).toBe('exactly_once_v2');
    expect(config.processingExceptionHandling).toBe('dead-letter');
    expect(config.deadLetterTopic).toBe('dead-letter');
    expect(config.commitIntervalMs).toBeGreaterThan(0);
  });

  it('keeps explicit values and ignores undefined ones', () => {
    const config = resolveStreamsConfig({
      applicationId: 'app',
      bootstrapServers: ['h:1'],
      commitIntervalMs: 7,
      stateDir: undefined,
    });
    expect(config.commitIntervalMs).toBe(7);
    expect(typeof config.stateDir).toBe('string');
  });

  it.each([
    [{ applicationId: '', bootstrapServers: ['h:1'] }, 'applicationId'],
    [{ applicationId: 'a b', bootstrapServers: ['h:1'] }, 'applicationId'],
    [{ applicationId: 'a', bootstrapServers: [] }, 'bootstrapServers'],
    [{ applicationId: 'a', bootstrapServers: ['nohost'] }, 'bootstrapServers'],
    [{ applicationId: 'a', bootstrapServers: ['h:1'], commitIntervalMs: 0 }, 'commitIntervalMs'],
    [{ applicationId: 'a', bootstrapServers: ['h:1'], processingGuarantee: 'maybe' }, 'processingGuarantee'],
  ])('rejects %j naming the key %s', (input, key) => {
    expect(() => resolveStreamsConfig(input as never)).toThrow(ConfigError);
    expect(() => resolveStreamsConfig(input as never)).toThrow(new RegExp(`Invalid configuration ${key}=`));
  });
});
