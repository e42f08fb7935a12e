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

  test('ORDER_API_KEY: off by default; from the variable or a mounted file; too short or spaced is refused, never echoed', () => {
    const key = 'f3a9c1d7e5b2a8c4f6e0d9b1a7c3e5f2';
    expect(pipelineConfigFromEnv({}).orderApiKey).toBeNull();
    expect(pipelineConfigFromEnv({ ORDER_API_KEY: key }).orderApiKey).toBe(key);
    const files = (path: string) => (path === '/run/api-key' ? `${key}\n` : '');
    expect(pipelineConfigFromEnv({ ORDER_API_KEY_FILE: '/run/api-key' }, files).orderApiKey).toBe(key);
    for (const bad of ['short-key', 'a key with spaces inside it', 'x'.repeat(257)]) {
      expect(() => pipelineConfigFromEnv({ ORDER_API_KEY: bad })).toThrow(ConfigError);
      expect(() => pipelineConfigFromEnv({ ORDER_API_KEY: bad })).toThrow(
        /ORDER_API_KEY.*16-256 printable ASCII/,
      );
      expect(() => pipelineConfigFromEnv({ ORDER_API_KEY: bad })).not.toThrow(bad);
    }
    expect(() =>
      pipelineConfigFromEnv({ ORDER_API_KEY: key, ORDER_API_KEY_FILE: '/run/api-key' }, files),
    ).toThrow(/either ORDER_API_KEY or ORDER_API_KEY_FILE/);
  });
});
