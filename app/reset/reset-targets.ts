/**
 * What a reset covers: the application ids, their input topics and which existing topics are
 * their internal ones. Pure: the cluster's topic and group lists come in as arguments.
 */
import { serviceApplicationId, serviceInternalTopics } from '../saga-acls.ts';
import { sagaTopics } from '../saga-topics.ts';
import { ALL_SAGA_PARTS } from '../saga-topology.ts';
import type { ResetRequest } from './reset-args.ts';

export interface ResetTarget {
  /** The application id: its consumer group, the prefix of its internal topics, its state directory. */
  readonly applicationId: string;
  readonly inputTopics: readonly string[];
}

/** The application ids a request resets, each with its input topics. */
export function resetTargets(request: ResetRequest): ResetTarget[] {
  if (!request.saga) return [{ applicationId: request.applicationId, inputTopics: request.inputTopics }];
  const topics = sagaTopics(request.applicationId, request.topicPrefix);
  const inputs = { core: [topics.orders, topics.stock], 'read-model': [topics.orderStatus] } as const;
  return ALL_SAGA_PARTS.map((part) => ({
    applicationId: serviceApplicationId(request.applicationId, part),
    inputTopics: part === 'core' || part === 'read-model' ? inputs[part] : [],
  }));
}

const INTERNAL = /-(repartition|changelog)$/;

/**
 * Existing topics that are `applicationId`'s internal ones: `<id>-…-repartition` and
 * `<id>-…-changelog`, except those under a longer application id that is known on its own
 * (`otherIds`: `<id>-payment-…` belongs to `<id>-payment`), as Kafka Streams' reset tool would have
 * to guess without them.
 */
export function internalTopicsOf(
  applicationId: string,
  existing: readonly string[],
  otherIds: readonly string[],
): string[] {
  const longer = otherIds.filter((o) => o !== applicationId && o.startsWith(`${applicationId}-`));
  return existing
    .filter((t) => t.startsWith(`${applicationId}-`) && INTERNAL.test(t))
    .filter((t) => !longer.some((o) => t.startsWith(`${o}-`)))
    .sort();
}

/**
 * Every existing topic the request deletes: the internal topics of each target and, with --saga,
 * the saga's loop topics and the internal topics its topology names (saga-acls.ts), whether or
 * not a prefix search finds them.
 */
export function topicsToDelete(
  request: ResetRequest,
  targets: readonly ResetTarget[],
  existing: readonly string[],
  groupIds: readonly string[],
): string[] {
  const ids = [...groupIds, ...targets.map((t) => t.applicationId)];
  const found = new Set(targets.flatMap((t) => internalTopicsOf(t.applicationId, existing, ids)));
  if (request.saga) {
    const topics = sagaTopics(request.applicationId, request.topicPrefix);
    const named = [
      topics.reservationRequests,
      topics.reservationResults,
      topics.paymentRequests,
      topics.paymentResults,
      topics.notificationRequests,
      ...ALL_SAGA_PARTS.flatMap((part) => serviceInternalTopics(request.applicationId, part)),
    ];
    const present = new Set(existing);
    for (const t of named) if (present.has(t)) found.add(t);
  }
  // Inputs are never deleted, whatever their names look like.
  for (const t of targets.flatMap((x) => x.inputTopics)) found.delete(t);
  return [...found].sort();
}
