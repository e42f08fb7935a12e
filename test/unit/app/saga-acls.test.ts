import {
  sagaAcls,
  serviceApplicationId,
  serviceInternalTopics,
  serviceTopics,
  type AclRule,
} from '../../../app/saga-acls.ts';
import { sagaTopics } from '../../../app/saga-topics.ts';
import { ALL_SAGA_PARTS, buildSagaTopology, type SagaPart } from '../../../app/saga-topology.ts';
import { createEventSerdes } from '../../../schemas/index.ts';

const APP = 'shop';
const PREFIX = 'eu-';
const topics = sagaTopics(APP, PREFIX);

/** What the topology of one service really reads, writes and keeps (the source of truth for its ACLs). */
async function topologyOf(part: SagaPart) {
  const serdes = await createEventSerdes({ outputFormat: 'json' });
  const topology = buildSagaTopology(
    {
      topics,
      serdes,
      storeType: 'in_memory',
      reservationTimeoutMs: 60_000,
      expiryCheckIntervalMs: 1000,
      paymentMaxAttempts: 3,
      notificationMaxAttempts: 3,
      retryCheckIntervalMs: 100,
      notifyOn: ['CREATED'],
    },
    {
      payment: { charge: async () => ({ status: 'SUCCEEDED' }) } as never,
      notifier: { send: async () => ({ ok: true }) },
      backoff: () => 100,
      readModel: { apply: async () => undefined } as never,
    },
    [part],
  );
  const id = serviceApplicationId(APP, part);
  const internal = topology.internalTopics(id).map((t) => t.name);
  return {
    internal,
    reads: topology.sourceTopics(id).filter((t) => !internal.includes(t)),
    writes: topology
      .subtopologies(id)
      .flatMap((s) => s.sinkTopics)
      .filter((t) => !internal.includes(t)),
  };
}

const granted = (rules: readonly AclRule[], user: string, operation: string) =>
  new Set(
    rules
      .filter(
        (r) => r.principal === `User:${user}` && r.resourceType === 'TOPIC' && r.operation === operation,
      )
      .map((r) => r.resourceName),
  );

describe('least-privilege ACLs of the saga services', () => {
  const rules = sagaAcls({ applicationId: APP, topicPrefix: PREFIX });

  test.each(ALL_SAGA_PARTS.map((p) => [p]))(
    '%s may read, write and create what its topology uses',
    async (part) => {
      const user = `${part}-svc`;
      const used = await topologyOf(part);
      const [read, write, create] = ['READ', 'WRITE', 'CREATE'].map((op) => granted(rules, user, op));
      for (const topic of [...used.reads, ...used.internal]) expect(read).toContain(topic);
      for (const topic of [...used.writes, ...used.internal]) expect(write).toContain(topic);
      for (const topic of used.internal) expect(create).toContain(topic);
      // And the plan's own lists agree with the topology (nothing stale left granted).
      expect(new Set(serviceInternalTopics(APP, part))).toEqual(new Set(used.internal));
      expect(new Set(serviceTopics(part, topics).reads)).toEqual(new Set(used.reads));
    },
  );

  test('payment may not write stock nor read orders; only the core (and its order API) writes orders', () => {
    expect(granted(rules, 'payment-svc', 'WRITE')).not.toContain(topics.stock);
    expect(granted(rules, 'payment-svc', 'READ')).not.toContain(topics.orders);
    for (const part of ALL_SAGA_PARTS)
      expect(granted(rules, `${part}-svc`, 'WRITE').has(topics.orders)).toBe(part === 'core');
    for (const part of ALL_SAGA_PARTS)
      expect(granted(rules, `${part}-svc`, 'WRITE')).not.toContain(topics.stock);
  });

  test("topic grants are literal; the core's transactional-id prefix denies the other services' ids", () => {
    expect(rules.filter((r) => r.resourceType === 'TOPIC').every((r) => r.patternType === 'LITERAL')).toBe(
      true,
    );
    const core = rules.filter(
      (r) => r.principal === 'User:core-svc' && r.resourceType === 'TRANSACTIONAL_ID',
    );
    expect(core).toContainEqual(
      expect.objectContaining({ resourceName: 'shop-', permission: 'ALLOW', patternType: 'PREFIXED' }),
    );
    for (const other of ['shop-payment-', 'shop-notification-', 'shop-read-model-'])
      expect(core).toContainEqual(
        expect.objectContaining({ resourceName: other, permission: 'DENY', operation: 'WRITE' }),
      );
    expect(rules).toContainEqual(
      expect.objectContaining({
        principal: 'User:payment-svc',
        resourceType: 'GROUP',
        resourceName: 'shop-payment',
        operation: 'READ',
      }),
    );
  });
});
