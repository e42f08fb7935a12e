import { createHash } from 'node:crypto';
import type { ChannelName, NotificationMessage } from '../../../../processors/ports.ts';

/**
 * A test message for `channel`: `fields` with an idempotency key unless they give one. The key is
 * `<orderId>:<digest of the channel and the fields>`, so the same message keeps its key (a retry)
 * and messages that differ do not share one (the fakes drop a repeated key as a duplicate).
 */
export function testMessage(
  channel: ChannelName,
  fields: Omit<NotificationMessage, 'idempotencyKey'> & { idempotencyKey?: string },
): NotificationMessage {
  const { orderId, recipient, subject, body } = fields;
  const digest = createHash('sha256')
    .update(JSON.stringify([channel, orderId, recipient, subject, body]))
    .digest('hex');
  return { idempotencyKey: `${orderId}:${digest.slice(0, 32)}`, ...fields };
}
