/**
 * The saga's topic names (CONTRACT.md). A prefix may go in front of all of them. The loop topics
 * of the saga (requests and results between its sub-topologies) are created by the app with
 * `<application.id>-<name>-repartition` names and the partition count of the input topics.
 */
export interface SagaTopics {
  readonly orders: string;
  readonly stock: string;
  readonly orderStatus: string;
  readonly shipments: string;
  readonly notifications: string;
  readonly deadLetter: string;
  readonly reservationRequests: string;
  readonly reservationResults: string;
  readonly paymentRequests: string;
  readonly paymentResults: string;
  readonly notificationRequests: string;
}

export function sagaTopics(applicationId: string, prefix = ''): SagaTopics {
  const loop = (name: string) => `${prefix}${applicationId}-${name}-repartition`;
  return {
    orders: `${prefix}orders`,
    stock: `${prefix}stock`,
    orderStatus: `${prefix}order-status`,
    shipments: `${prefix}shipments`,
    notifications: `${prefix}notifications`,
    deadLetter: `${prefix}dead-letter`,
    reservationRequests: loop('reservation-requests'),
    reservationResults: loop('reservation-results'),
    paymentRequests: loop('payment-requests'),
    paymentResults: loop('payment-results'),
    notificationRequests: loop('notification-requests'),
  };
}

/**
 * How a topic is kept: `replicationFactor` copies, and with more than one a write (acks=all) is
 * taken only once two of them have it, so one broker may be lost without losing acknowledged records.
 */
export function durability(replicationFactor: number): {
  replicationFactor: number;
  configs: Record<string, string>;
} {
  return {
    replicationFactor,
    configs: replicationFactor > 1 ? { 'min.insync.replicas': String(Math.min(2, replicationFactor)) } : {},
  };
}

/** Topics the app creates (idempotently) before the engine starts; compacted where the contract says so. */
export function topicsToCreate(
  topics: SagaTopics,
  replicationFactor = 1,
): { name: string; replicationFactor: number; configs: Record<string, string> }[] {
  const kept = durability(replicationFactor);
  const topic = (name: string, configs: Record<string, string> = {}) => ({
    name,
    replicationFactor,
    configs: { ...kept.configs, ...configs },
  });
  return [
    topic(topics.orders),
    topic(topics.stock),
    topic(topics.orderStatus, { 'cleanup.policy': 'compact' }),
    topic(topics.shipments),
    topic(topics.notifications),
    topic(topics.reservationRequests),
    topic(topics.reservationResults),
    topic(topics.paymentRequests),
    topic(topics.paymentResults),
    topic(topics.notificationRequests),
  ];
}
