import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { ConfigError } from '../../topology/index.ts';

/**
 * The plumbing every fake third party (payment gateway, SMS provider, webhook receiver) shares:
 * a fastify app bound to 127.0.0.1 (an ephemeral port unless one is given), artificial latency
 * that is cut short on close, and a close that does not wait for keep-alive clients.
 */
export interface FakeHttpServer {
  readonly app: FastifyInstance;
  /** Resolves after `ms`, or rejects once the server is closing (so held requests end with it). */
  delay(ms: number): Promise<void>;
  /** Binds and returns the base URL, e.g. `http://127.0.0.1:41234`. */
  listen(port: number | undefined, host: string | undefined): Promise<string>;
  close(): Promise<void>;
}

export function createFakeHttpServer(): FakeHttpServer {
  // forceCloseConnections: close() ends in-flight and idle keep-alive sockets at once, so a test's
  // afterAll never waits for undici's pooled connections to time out.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const closing = new AbortController();
  return {
    app,
    async delay(ms) {
      if (ms > 0) await sleep(ms, undefined, { signal: closing.signal });
    },
    async listen(port, host) {
      return app.listen({ port: port ?? 0, host: host ?? '127.0.0.1' });
    },
    async close() {
      closing.abort();
      await app.close();
    },
  };
}

/** A probability option: a finite number in [0, 1]. */
export function checkRate(key: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ConfigError(key, value, 'a number in [0, 1]');
  return value;
}

/** A duration option: a finite number >= 0. */
export function checkNonNegative(key: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(key, value, 'a finite number >= 0');
  return value;
}
