/**
 * Least privilege for the saga's services: what each one's principal may do, as Kafka ACLs. Each
 * service reads its input topics, writes its output topics, keeps its own internal topics, uses its own
 * consumer group and its own transactional ids — and nothing else (payment may not write `stock`,
 * nor read `orders`). The topology is the source of truth: test/unit/app/saga-acls.test.ts checks
 * this plan against what `buildSagaTopology` reads and writes.
 */
import { INVENTORY_STORE, RESERVATIONS_STORE } from '../processors/inventory.ts';
import { NOTIFICATION_RETRY_INDEX, NOTIFICATION_RETRY_STORE } from '../processors/notification.ts';
import { EXPIRY_INDEX_STORE, ORDER_SAGA_STORE } from '../processors/order-saga.ts';
import { PAYMENT_RETRY_INDEX, PAYMENT_STORE } from '../processors/payment.ts';
import { sagaTopics, type SagaTopics } from './saga-topics.ts';
import { ALL_SAGA_PARTS, type SagaPart } from './saga-topology.ts';

export type AclOperationName = 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS';

/** One ACL, as `kafka-acls --add` would take it. */
export interface AclRule {
  /** `User:<name>`. */
  readonly principal: string;
  readonly resourceType: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID';
  readonly patternType: 'LITERAL' | 'PREFIXED';
  readonly resourceName: string;
  readonly operation: AclOperationName;
  readonly permission: 'ALLOW' | 'DENY';
}

/** The SASL user each service runs as (the local stack creates them; production names may differ). */
export const SERVICE_USERS: Readonly<Record<SagaPart, string>> = {
  core: 'core-svc',
  payment: 'payment-svc',
  notification: 'notification-svc',
  'read-model': 'read-model-svc',
};

/** The application id a service runs under: its group, its transactional-id and changelog prefix. */
export function serviceApplicationId(applicationId: string, part: SagaPart): string {
  return part === 'core' ? applicationId : `${applicationId}-${part}`;
}

/** The topology's own repartition topics (`<application.id>-<name>-repartition`), per service. */
const REPARTITIONS: Readonly<Record<SagaPart, readonly string[]>> = {
  core: ['orders-by-id', 'stock-by-sku'],
  payment: [],
  notification: [],
  'read-model': [],
};

const STORES: Readonly<Record<SagaPart, readonly string[]>> = {
  core: [ORDER_SAGA_STORE, INVENTORY_STORE, RESERVATIONS_STORE, EXPIRY_INDEX_STORE],
  payment: [PAYMENT_STORE, PAYMENT_RETRY_INDEX],
  notification: [NOTIFICATION_RETRY_STORE, NOTIFICATION_RETRY_INDEX],
  'read-model': [],
};

/** The topics a service reads and writes (its internal topics aside). */
export function serviceTopics(
  part: SagaPart,
  topics: SagaTopics,
): { reads: readonly string[]; writes: readonly string[] } {
  switch (part) {
    case 'core':
      return {
        reads: [
          topics.orders,
          topics.stock,
          topics.reservationRequests,
          topics.reservationResults,
          topics.paymentResults,
        ],
        writes: [
          topics.orderStatus,
          topics.shipments,
          topics.reservationRequests,
          topics.reservationResults,
          topics.paymentRequests,
          topics.notificationRequests,
          topics.deadLetter,
          // The order API (POST /orders) runs in the core's process, with its principal.
          topics.orders,
        ],
      };
    case 'payment':
      return { reads: [topics.paymentRequests], writes: [topics.paymentResults, topics.deadLetter] };
    case 'notification':
      return { reads: [topics.notificationRequests], writes: [topics.notifications, topics.deadLetter] };
    case 'read-model':
      return { reads: [topics.orderStatus], writes: [topics.deadLetter] };
  }
}

/**
 * The engine's internal topics of a service, which it creates, writes and reads itself: changelogs
 * of its stores (`<application.id>-<store>-changelog`) and repartition topics of its topology.
 */
export function serviceInternalTopics(applicationId: string, part: SagaPart): string[] {
  const id = serviceApplicationId(applicationId, part);
  return [
    ...REPARTITIONS[part].map((name) => `${id}-${name}-repartition`),
    ...STORES[part].map((store) => `${id}-${store}-changelog`),
  ];
}

export interface SagaAclOptions {
  readonly applicationId: string;
  readonly topicPrefix?: string;
  readonly parts?: readonly SagaPart[];
  /** SASL user per service; SERVICE_USERS when absent. */
  readonly users?: Partial<Record<SagaPart, string>>;
}

/**
 * Every ACL the saga's services need. Topics are literal names (the services share a prefix, so
 * a prefixed topic ACL would reach another service's topics); transactional ids are prefixed
 * (`<application.id>-<instance.id>`: instances come and go). The core's application id is a prefix
 * of the others', so its transactional-id grant carries DENY rules for theirs: a DENY wins over
 * any ALLOW in Kafka's authorizer, and the core cannot fence another service's producer.
 *
 * CREATE is on exactly the topics a service uses: the pipeline creates what it runs on
 * (idempotently, an existing topic is kept), and the broker answers a CREATE on a topic the
 * principal may not create with TOPIC_AUTHORIZATION_FAILED even when the topic exists.
 */
export function sagaAcls(options: SagaAclOptions): AclRule[] {
  const topics = sagaTopics(options.applicationId, options.topicPrefix ?? '');
  const rules: AclRule[] = [];
  for (const part of options.parts ?? ALL_SAGA_PARTS) {
    const principal = `User:${options.users?.[part] ?? SERVICE_USERS[part]}`;
    const allow = (
      resourceType: AclRule['resourceType'],
      resourceName: string,
      operation: AclOperationName,
      patternType: AclRule['patternType'] = 'LITERAL',
      permission: AclRule['permission'] = 'ALLOW',
    ) => rules.push({ principal, resourceType, patternType, resourceName, operation, permission });
    const { reads, writes } = serviceTopics(part, topics);
    const internal = serviceInternalTopics(options.applicationId, part);
    const used = [...new Set([...reads, ...writes, ...internal])];
    for (const topic of [...new Set([...reads, ...internal])]) allow('TOPIC', topic, 'READ');
    for (const topic of [...new Set([...writes, ...internal])]) allow('TOPIC', topic, 'WRITE');
    for (const topic of used) {
      allow('TOPIC', topic, 'CREATE');
      // Batch limits (max.message.bytes) and internal-topic checks read topic configs.
      allow('TOPIC', topic, 'DESCRIBE_CONFIGS');
    }
    const applicationId = serviceApplicationId(options.applicationId, part);
    allow('GROUP', applicationId, 'READ');
    allow('TRANSACTIONAL_ID', `${applicationId}-`, 'WRITE', 'PREFIXED');
    if (part === 'core')
      for (const other of ALL_SAGA_PARTS.filter((p) => p !== 'core'))
        allow(
          'TRANSACTIONAL_ID',
          `${serviceApplicationId(options.applicationId, other)}-`,
          'WRITE',
          'PREFIXED',
          'DENY',
        );
  }
  return rules;
}
