import { startFakeGateway, type FakeGatewayOptions } from '../../../../connectors/payment/fake-gateway.ts';
import { ConfigError } from '../../../../engine-common/errors.ts';

interface Reply {
  status: number;
  replayed: string | null;
  body: { id?: string; error?: { code: string } };
}

async function charge(url: string, key: string | null, body: Record<string, unknown>): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['idempotency-key'] = key;
  const response = await fetch(`${url}/v1/charges`, { method: 'POST', headers, body: JSON.stringify(body) });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as Reply['body'],
  };
}

const valid = { orderId: 'o-1', amount: 100, currency: 'EUR', paymentMethod: 'card' };

async function withGateway(
  options: FakeGatewayOptions,
  run: (url: string, gateway: Awaited<ReturnType<typeof startFakeGateway>>) => Promise<void>,
) {
  const gateway = await startFakeGateway(options);
  try {
    await run(gateway.url, gateway);
  } finally {
    await gateway.close();
  }
}

describe('fake payment gateway (HTTP)', () => {
  it('replays the stored response for a repeated key, marked Idempotent-Replayed', () =>
    withGateway({}, async (url, gateway) => {
      const first = await charge(url, 'k1', valid);
      const second = await charge(url, 'k1', valid);
      expect(first.status).toBe(201);
      expect(first.replayed).toBeNull();
      expect(second).toEqual({ ...first, replayed: 'true' });
      expect(gateway.stats()).toMatchObject({ requests: 2, succeeded: 1, replayed: 1 });
    }));

  it('refuses a reused key with different parameters (422) and a missing key (400)', () =>
    withGateway({}, async (url) => {
      await charge(url, 'k2', valid);
      const reused = await charge(url, 'k2', { ...valid, amount: 200 });
      expect(reused.status).toBe(422);
      expect(reused.body.error?.code).toBe('idempotency_key_reused');
      expect((await charge(url, null, valid)).status).toBe(400);
      expect((await charge(url, 'k3', { ...valid, amount: -1 })).status).toBe(400);
    }));

  it('charges once when the same key arrives concurrently (the others get 409)', () =>
    withGateway({ latencyMs: 100 }, async (url, gateway) => {
      const replies = await Promise.all([1, 2, 3, 4].map(() => charge(url, 'k-concurrent', valid)));
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      expect(gateway.charges().get('k-concurrent')).toHaveLength(1);
    }));

  it('declines by a custom rule and by the random rate, reproducibly with a seed', async () => {
    const outcomes = async () => {
      const statuses: number[] = [];
      await withGateway(
        {
          declineRate: 0.5,
          seed: 42,
          declineWhen: (r) => (r.currency === 'JPY' ? 'currency_not_supported' : null),
        },
        async (url) => {
          const jpy = await charge(url, 'jpy', { ...valid, currency: 'JPY' });
          expect(jpy.body.error?.code).toBe('currency_not_supported');
          for (let i = 0; i < 20; i++) statuses.push((await charge(url, `r${i}`, valid)).status);
        },
      );
      return statuses;
    };
    const first = await outcomes();
    expect(new Set(first)).toEqual(new Set([201, 402]));
    expect(await outcomes()).toEqual(first);
  });

  it('lists charges by idempotency key and order id', () =>
    withGateway({}, async (url) => {
      await charge(url, 'ka', { ...valid, orderId: 'o-a' });
      await charge(url, 'kb', { ...valid, orderId: 'o-b' });
      const byKey = (await (await fetch(`${url}/v1/charges?idempotencyKey=kb`)).json()) as {
        data: { orderId: string }[];
      };
      expect(byKey.data.map((c) => c.orderId)).toEqual(['o-b']);
      const byOrder = (await (await fetch(`${url}/v1/charges?orderId=o-a`)).json()) as { data: unknown[] };
      expect(byOrder.data).toHaveLength(1);
    }));

  it('validates its options', async () => {
    await expect(startFakeGateway({ declineRate: 2 })).rejects.toThrow(ConfigError);
    await expect(startFakeGateway({ latencyMs: -1 })).rejects.toThrow(/latencyMs/);
  });
});
