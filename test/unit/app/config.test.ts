import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { ConfigError } from '../../../topology/index.ts';

describe('pipeline config from the environment', () => {
  test('SERVICES picks any services, so each can be deployed on its own; default all', () => {
    expect(pipelineConfigFromEnv({}).services).toEqual(['core', 'payment', 'notification', 'read-model']);
    expect(pipelineConfigFromEnv({ SERVICES: 'payment' }).services).toEqual(['payment']);
    expect(pipelineConfigFromEnv({ SERVICES: 'notification, read-model' }).services).toEqual([
      'notification',
      'read-model',
    ]);
  });

  test('an unknown service is a clear error naming the known ones', () => {
    expect(() => pipelineConfigFromEnv({ SERVICES: 'core,shipping' })).toThrow(ConfigError);
    expect(() => pipelineConfigFromEnv({ SERVICES: 'core,shipping' })).toThrow(
      /core, payment, notification, read-model/,
    );
  });

  test('APPLICATION_SERVER defaults to the HTTP address and must be reachable (no port 0)', () => {
    expect(pipelineConfigFromEnv({ HTTP_HOST: '10.0.0.7', HTTP_PORT: '9000' }).applicationServer).toBe(
      '10.0.0.7:9000',
    );
    expect(pipelineConfigFromEnv({ APPLICATION_SERVER: 'saga-0.saga:8080' }).applicationServer).toBe(
      'saga-0.saga:8080',
    );
    expect(() => pipelineConfigFromEnv({ HTTP_PORT: '0' })).toThrow(/APPLICATION_SERVER/);
    expect(() => pipelineConfigFromEnv({ APPLICATION_SERVER: 'http://x:1' })).toThrow(ConfigError);
  });

  test('STORE_CACHE_MAX_BYTES: off (0) by default, a size turns the caches on, negative is refused', () => {
    expect(pipelineConfigFromEnv({}).storeCacheMaxBytes).toBe(0);
    expect(pipelineConfigFromEnv({ STORE_CACHE_MAX_BYTES: '1048576' }).storeCacheMaxBytes).toBe(1_048_576);
    expect(pipelineConfigFromEnv({ STORE_CACHE_MAX_BYTES: '0' }).storeCacheMaxBytes).toBe(0);
    expect(() => pipelineConfigFromEnv({ STORE_CACHE_MAX_BYTES: '-1' })).toThrow(ConfigError);
  });
});
