import { notificationOutcomeSerde } from '../../../app/saga-topology.ts';
import type { NotificationOutcome } from '../../../processors/notification.ts';
import { createEventSerdes, type EventFormat } from '../../../schemas/index.ts';

const sent: NotificationOutcome = {
  kind: 'sent',
  event: { orderId: 'o-1', channel: 'EMAIL', status: 'SHIPPED', recipient: 'ada@example.com', at: 1 },
};
const failed: NotificationOutcome = {
  kind: 'failed',
  event: {
    orderId: 'o-1',
    channel: 'SMS',
    status: 'SHIPPED',
    recipient: '+4915112345678',
    reason: 'provider said no',
    attempts: 4,
    at: 2,
  },
};

test.each<EventFormat>(['json', 'avro'])(
  'notifications in %s read back as the kind they were written',
  async (format) => {
    const serde = notificationOutcomeSerde(await createEventSerdes({ outputFormat: format }));
    for (const outcome of [sent, failed]) {
      const bytes = serde.serialize('notifications', outcome);
      expect(bytes[0] === 0).toBe(format === 'avro'); // Confluent wire format's magic byte
      expect(serde.deserialize('notifications', bytes)).toEqual(outcome);
    }
  },
);
