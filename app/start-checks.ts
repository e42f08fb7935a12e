import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { StreamsError } from '../topology/index.ts';

/**
 * A start-up failure said as one sentence that names the setting to check and what to do: what a
 * person reads on the terminal instead of a stack trace. `retriable`: the thing may come back by
 * itself (a broker still starting), so the service waits for it before giving up.
 */
export class StartupError extends StreamsError {
  readonly setting: string;
  readonly retriable: boolean;

  constructor(setting: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super('KSP_CONFIG', message, { cause: options.cause });
    this.name = 'StartupError';
    this.setting = setting;
    this.retriable = options.retriable ?? false;
  }
}

/** The system error code of `error` or of any error it was caused by (ECONNREFUSED, EADDRINUSE, …). */
export function systemCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    const nested = (e as { errors?: unknown[] }).errors?.[0];
    if (nested) {
      const inner = systemCode(nested);
      if (inner) return inner;
    }
  }
  return null;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
]);

/** The state directory must exist (it is created) and be writable: RocksDB and checkpoints live there. */
export function checkStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new StartupError(
      'STATE_DIR',
      `STATE_DIR ${dir} is not a directory this process can write (${systemCode(error) ?? (error as Error).message}): ` +
        'set STATE_DIR to one it can (the stores and their checkpoints live there)',
      { cause: error },
    );
  }
}

/** Fails early, before Kafka is touched, when the order API's port is taken. */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use by another process'
          : error.code === 'EACCES'
            ? 'needs privileges this process has not'
            : `cannot be listened on (${error.code ?? error.message})`;
      reject(
        new StartupError(
          'HTTP_PORT',
          `HTTP_PORT ${port} on ${host} ${why}: set HTTP_PORT to a free port (0 picks one) or stop what holds it`,
          { cause: error },
        ),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** DATABASE_URL with the password masked, for messages. */
export function maskedUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Why the read model's database could not be used, as a sentence naming DATABASE_URL. */
export function databaseFailure(url: string, error: unknown): StartupError {
  const code = systemCode(error) ?? (error as { code?: string }).code ?? null;
  const reason =
    code === '28P01' || code === '28000'
      ? 'refused the login'
      : code === '3D000'
        ? 'has no such database'
        : code !== null && CONNECTION_CODES.has(code)
          ? `does not answer (${code})`
          : `failed: ${(error as Error).message}`;
  return new StartupError(
    'DATABASE_URL',
    `PostgreSQL at ${maskedUrl(url)} ${reason}: check DATABASE_URL (npm run stack:up starts the local one), ` +
      'or unset it to run without the read model',
    { retriable: code !== null && CONNECTION_CODES.has(code), cause: error },
  );
}

/** A Kafka failure at start that is the brokers not answering, as a sentence naming KAFKA_BOOTSTRAP; else null. */
export function kafkaUnreachable(bootstrap: readonly string[], error: unknown): StartupError | null {
  const code = systemCode(error);
  const message = (error as Error | undefined)?.message ?? '';
  const connection = (code !== null && CONNECTION_CODES.has(code)) || /connect|connection/i.test(message);
  if (!connection) return null;
  return new StartupError(
    'KAFKA_BOOTSTRAP',
    `Kafka at ${bootstrap.join(',')} does not answer (${code ?? message}): check KAFKA_BOOTSTRAP, and that the ` +
      'brokers run (npm run stack:up starts the local one)',
    { retriable: true, cause: error },
  );
}
