/**
 * Subjects and their compatibility policy in a Confluent-compatible registry.
 *
 * One subject per event, `<event>-value` (e.g. `order-created-value`): the saga's topics are named
 * by the deployment (prefix, application id) while the schemas are not, and `notifications` carries
 * two record types, which a single `<topic>-value` subject could only hold as a union.
 */
import type { EventName } from './types.ts';

export type CompatibilityLevel =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/** Events written to the output topics of CONTRACT.md, which consumers outside the saga read. */
export const OUTPUT_EVENTS: readonly EventName[] = [
  'order-status-changed',
  'shipment-scheduled',
  'notification-sent',
  'notification-failed',
];

export function subjectOf(event: string): string {
  return `${event}-value`;
}

/**
 * BACKWARD_TRANSITIVE everywhere: the newest reader must read every version still on a topic,
 * and compacted topics (order-status, changelogs) keep old records for ever, so "the previous
 * version" is not enough. FULL_TRANSITIVE for the output events: consumers outside the saga
 * upgrade on their own schedule, so old readers must also read what a new saga writes.
 */
export function compatibilityOf(event: string): CompatibilityLevel {
  return (OUTPUT_EVENTS as readonly string[]).includes(event) ? 'FULL_TRANSITIVE' : 'BACKWARD_TRANSITIVE';
}
