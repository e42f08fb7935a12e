import type { ChannelName, DeliveryOutcome, NotificationMessage } from '../../processors/ports.ts';

/**
 * One way of reaching a customer or a system, for the app's notifier port. `send` makes exactly one
 * attempt and never throws for delivery trouble; retries are the notification processor's
 * punctuator-driven state. The message carries its idempotency key, stable across retries.
 */
export interface NotificationChannel {
  readonly channel: ChannelName;
  send(message: NotificationMessage): Promise<DeliveryOutcome>;
}
