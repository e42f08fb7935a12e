import { pino, destination, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output). The level comes from
 * LOG_LEVEL (default `info`; tests default to `warn` to keep their output readable).
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info');
  return pino({ name, level, base: { pid: process.pid, ...bindings } }, destination(2));
}
