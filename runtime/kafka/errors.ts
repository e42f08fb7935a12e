import { KafkaClientError, ProducerFencedError } from '../../topology/errors.ts';

/** Broker error names that mean another producer with our transactional id took over. */
const FENCED = new Set([
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

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

/** Wraps a client error in our types: fencing becomes ProducerFencedError, anything else KafkaClientError. */
export function toKafkaError(operation: string, error: unknown): Error {
  if (error instanceof KafkaClientError || error instanceof ProducerFencedError) return error;
  const names = brokerErrorNames(error);
  const message = `${operation} failed: ${(error as Error)?.message ?? String(error)}${names.length ? ` [${[...new Set(names)].join(', ')}]` : ''}`;
  if (names.some((n) => FENCED.has(n))) return new ProducerFencedError(message, { cause: error });
  return new KafkaClientError(message, { cause: error });
}

export async function wrap<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toKafkaError(operation, error);
  }
}
