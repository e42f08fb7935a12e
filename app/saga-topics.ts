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

/** Topics the app creates (idempotently) before the engine starts; compacted where the contract says so. */
export function topicsToCreate(topics: SagaTopics): { name: string; configs: Record<string, string> }[] {
  return [
    { name: topics.orders, configs: {} },
    { name: topics.stock, configs: {} },
    { name: topics.orderStatus, configs: { 'cleanup.policy': 'compact' } },
    { name: topics.shipments, configs: {} },
    { name: topics.notifications, configs: {} },
    { name: topics.reservationRequests, configs: {} },
    { name: topics.reservationResults, configs: {} },
    { name: topics.paymentRequests, configs: {} },
    { name: topics.paymentResults, configs: {} },
    { name: topics.notificationRequests, configs: {} },
  ];
}
