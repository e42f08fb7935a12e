import { DependencyUnavailableError } from '../../topology/index.ts';

/** Socket errors of an unreachable or restarting server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * SQLSTATEs after which the same statement can succeed later: the server shutting down or not
 * yet accepting connections (57P01-57P03), a serialization failure or deadlock (40001, 40P01).
 * Whole classes: connection exceptions (08) and insufficient resources (53).
 */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);
const TRANSIENT_CLASSES = ['08', '53'];

/** pg's own wording for a connection that broke or could not be made in time (no code). */
const TRANSIENT_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i;

/**
 * Whether a failure of a PostgreSQL call means "the database cannot do it now" rather than "this
 * statement is wrong": only the first is worth retrying; the second is the record's problem.
 */
export function isTransientPgError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || TRANSIENT_STATES.has(code)) return true;
    if (TRANSIENT_CLASSES.some((prefix) => code.startsWith(prefix))) return true;
  }
  return TRANSIENT_MESSAGE.test(error.message);
}

/**
 * `error` as the engine should see it: a transient database failure becomes a
 * DependencyUnavailableError (the record is processed again once the database is back, never
 * dead-lettered); anything else is returned as it is.
 */
export function asUnavailableIfTransient(error: unknown, what: string): unknown {
  if (!isTransientPgError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DependencyUnavailableError(`${what}: the database cannot be reached now (${message})`, {
    cause: error,
  });
}
