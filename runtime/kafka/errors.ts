import { KafkaClientError, ProducerFencedError, type KafkaRecovery } from '../../engine-common/errors.ts';
import { AUTHENTICATION_FAILURES, errorCodes, securityRefusal, type AccessContext } from './access-denied.ts';

export type { AccessContext } from './access-denied.ts';

/**
 * Broker error names that mean another producer with our transactional id took over.
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED is not one: it is an ACL missing, and read as "fenced" it
 * stopped the tasks with a misleading reason; it is fatal with the access-denied sentence instead.
 */
const FENCED = new Set(['PRODUCER_FENCED']);

/**
 * The producer's state is stale; only a new InitProducerId (epoch bump, sequences reset) fixes it.
 * The client keeps a transactional producer's sequence numbers across a failed send, so after a
 * broker restart cut a produce request short, every later send to that partition is answered
 * OUT_OF_ORDER_SEQUENCE_NUMBER until the producer is re-initialised. INVALID_PRODUCER_EPOCH is the
 * coordinator aborting our own timed-out transaction (KIP-588), not another instance: that one is
 * PRODUCER_FENCED.
 */
const NEEDS_NEW_PRODUCER = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'INVALID_TXN_STATE',
  'TRANSACTION_ABORTABLE',
]);

/** Deterministic refusals: retrying the same work gets the same answer. */
const FATAL = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'FENCED_INSTANCE_ID',
]);

/** How to recover from a failure whose broker error names are `names` (see KafkaRecovery). */
export function recoveryFor(names: readonly string[]): KafkaRecovery {
  if (
    names.some((n) => FATAL.has(n) || n.endsWith('_AUTHORIZATION_FAILED') || AUTHENTICATION_FAILURES.has(n))
  )
    return 'fatal';
  if (names.some((n) => NEEDS_NEW_PRODUCER.has(n))) return 'new-producer';
  return 'retry';
}

interface WithApiId {
  apiId?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** Every broker error name found in an error tree (the client nests them in `errors` and `cause`). */
export function brokerErrorNames(error: unknown, seen = new Set<unknown>()): string[] {
  if (error === null || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const e = error as WithApiId;
  const names = typeof e.apiId === 'string' ? [e.apiId] : [];
  if (Array.isArray(e.errors)) for (const inner of e.errors) names.push(...brokerErrorNames(inner, seen));
  if (e.cause) names.push(...brokerErrorNames(e.cause, seen));
  return names;
}

/**
 * Wraps a client error in our types: fencing becomes ProducerFencedError, anything else
 * KafkaClientError. A refusal by the broker's security (a denied ACL, a failed login, an untrusted
 * certificate) gets one sentence naming who was refused what (`access` says what the call needed)
 * and is fatal: retrying it would only repeat the refusal.
 */
export function toKafkaError(operation: string, error: unknown, access?: AccessContext): Error {
  if (error instanceof KafkaClientError || error instanceof ProducerFencedError) return error;
  const names = [...new Set(brokerErrorNames(error))];
  const refusal = securityRefusal(names, errorCodes(error), access);
  if (refusal) return new KafkaClientError(refusal, { cause: error, recovery: 'fatal', brokerErrors: names });
  const message = `${operation} failed: ${(error as Error)?.message ?? String(error)}${names.length ? ` [${names.join(', ')}]` : ''}`;
  if (names.some((n) => FENCED.has(n))) return new ProducerFencedError(message, { cause: error });
  return new KafkaClientError(message, { cause: error, recovery: recoveryFor(names), brokerErrors: names });
}

export async function wrap<T>(operation: string, work: () => Promise<T>, access?: AccessContext): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toKafkaError(operation, error, access);
  }
}
