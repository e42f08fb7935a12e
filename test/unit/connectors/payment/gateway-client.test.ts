import { PaymentGatewayClient } from '../../../../connectors/payment/gateway-client.ts';
import {
  startFakeGateway,
  type FakeGateway,
} from '../../../../connectors/fakes/payment-gateway/fake-gateway.ts';
import type { ChargeRequest } from '../../../../processors/ports.ts';
import { quietLogger } from '../support/quiet-logger.ts';
import { ValidationError } from '../../../../engine-common/errors.ts';

const order = (orderId: string, overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  orderId,
  amount: 5997,
  currency: 'EUR',
  paymentMethod: 'card',
  ...overrides,
});

describe('PaymentGatewayClient against the fake gateway', () => {
  let gateway: FakeGateway;
  let client: PaymentGatewayClient;

  beforeAll(async () => {
    gateway = await startFakeGateway({
      declineRate: 0,
      failureRate: 0,
      latencyMs: 0,
      declineAboveAmount: 1_000_000,
    });
    client = new PaymentGatewayClient({ baseUrl: gateway.url, logger: quietLogger });
  });
  afterAll(() => gateway.close());

  it('charges once per idempotency key and answers a repeat with the same response', async () => {
    const first = await client.charge(order('o-idem'), { idempotencyKey: 'o-idem', timeoutMs: 2_000 });
    const second = await client.charge(order('o-idem'), { idempotencyKey: 'o-idem', timeoutMs: 2_000 });
    expect(first).toEqual({ outcome: 'SUCCEEDED', chargeId: expect.stringMatching(/^ch_/) });
    expect(second).toEqual(first);
    expect(gateway.charges().get('o-idem')).toHaveLength(1);
    const listed = (await (await fetch(`${gateway.url}/v1/charges?idempotencyKey=o-idem`)).json()) as {
      data: unknown[];
    };
    expect(listed.data).toHaveLength(1);
  });

  it('declines paymentMethod card_declined by rule, every time', async () => {
    for (const key of ['o-decl-1', 'o-decl-2']) {
      const result = await client.charge(order(key, { paymentMethod: 'card_declined' }), {
        idempotencyKey: key,
        timeoutMs: 2_000,
      });
      expect(result).toEqual({ outcome: 'DECLINED', reason: 'card_declined (HTTP 402)' });
    }
    expect(gateway.charges().get('o-decl-1')?.[0]?.status).toBe('declined');
  });

  it('declines amounts above the configured limit', async () => {
    const result = await client.charge(order('o-big', { amount: 1_000_001 }), {
      idempotencyKey: 'o-big',
      timeoutMs: 2_000,
    });
    expect(result).toEqual({ outcome: 'DECLINED', reason: 'amount_too_large (HTTP 402)' });
  });

  it('refunds a charge once; the same key replays, another key is rejected', async () => {
    const charged = await client.charge(order('o-refund'), { idempotencyKey: 'o-refund', timeoutMs: 2_000 });
    if (charged.outcome !== 'SUCCEEDED') throw new Error(`expected SUCCEEDED, got ${charged.outcome}`);
    const first = await client.refund(charged.chargeId, 'refund-o-refund');
    expect(first).toEqual({ outcome: 'REFUNDED', refundId: expect.stringMatching(/^re_/) });
    expect(await client.refund(charged.chargeId, 'refund-o-refund')).toEqual(first);
    expect(await client.refund(charged.chargeId, 'another-key')).toEqual({
      outcome: 'REJECTED',
      reason: 'charge_already_refunded (HTTP 400)',
    });
    expect(await client.refund('ch_unknown', 'k')).toEqual({
      outcome: 'REJECTED',
      reason: 'resource_missing (HTTP 404)',
    });
  });

  it('throws ValidationError for a malformed request instead of calling the gateway', async () => {
    await expect(
      client.charge(order('o-bad', { amount: 12.5 }), { idempotencyKey: 'o-bad', timeoutMs: 1_000 }),
    ).rejects.toThrow(ValidationError);
    await expect(client.charge(order('o-bad'), { idempotencyKey: '', timeoutMs: 1_000 })).rejects.toThrow(
      /idempotencyKey/,
    );
    expect(gateway.charges().has('o-bad')).toBe(false);
  });
});

describe('PaymentGatewayClient failure classification', () => {
  it('5xx is RETRYABLE, nothing is charged, and a later retry with the same key succeeds once', async () => {
    const gateway = await startFakeGateway({ failureRate: 1 });
    try {
      const client = new PaymentGatewayClient({ baseUrl: gateway.url, logger: quietLogger });
      const result = await client.charge(order('o-5xx'), { idempotencyKey: 'o-5xx', timeoutMs: 2_000 });
      expect(result).toEqual({ outcome: 'RETRYABLE', reason: 'internal_error (HTTP 500)' });
      expect(gateway.charges().size).toBe(0);
      expect(gateway.stats().failed).toBe(1);
    } finally {
      await gateway.close();
    }
  });

  it('a lost response (charged, then 502) is RETRYABLE and the retry returns the one existing charge', async () => {
    const gateway = await startFakeGateway({ lostResponseRate: 1 });
    try {
      const client = new PaymentGatewayClient({ baseUrl: gateway.url, logger: quietLogger });
      const first = await client.charge(order('o-lost'), { idempotencyKey: 'o-lost', timeoutMs: 2_000 });
      expect(first).toEqual({ outcome: 'RETRYABLE', reason: 'bad_gateway (HTTP 502)' });
      const retry = await client.charge(order('o-lost'), { idempotencyKey: 'o-lost', timeoutMs: 2_000 });
      expect(retry).toEqual({ outcome: 'SUCCEEDED', chargeId: gateway.charges().get('o-lost')?.[0]?.id });
      expect(gateway.charges().get('o-lost')).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  it('a timeout is RETRYABLE; a retry while the first is in flight gets 409 (RETRYABLE); later it replays the one charge', async () => {
    const gateway = await startFakeGateway({ latencyMs: 400 });
    try {
      const client = new PaymentGatewayClient({ baseUrl: gateway.url, logger: quietLogger });
      const started = Date.now();
      const timedOut = await client.charge(order('o-slow'), { idempotencyKey: 'o-slow', timeoutMs: 50 });
      expect(timedOut).toEqual({ outcome: 'RETRYABLE', reason: 'timeout after 50 ms' });
      expect(Date.now() - started).toBeLessThan(350);

      const whileInFlight = await client.charge(order('o-slow'), {
        idempotencyKey: 'o-slow',
        timeoutMs: 2_000,
      });
      expect(whileInFlight).toEqual({ outcome: 'RETRYABLE', reason: 'request_in_progress (HTTP 409)' });

      await new Promise((resolve) => setTimeout(resolve, 450));
      const later = await client.charge(order('o-slow'), { idempotencyKey: 'o-slow', timeoutMs: 2_000 });
      expect(later.outcome).toBe('SUCCEEDED');
      expect(gateway.charges().get('o-slow')).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  it('a connection error is RETRYABLE', async () => {
    const gateway = await startFakeGateway();
    const url = gateway.url;
    await gateway.close();
    const client = new PaymentGatewayClient({ baseUrl: url, logger: quietLogger });
    const result = await client.charge(order('o-down'), { idempotencyKey: 'o-down', timeoutMs: 2_000 });
    expect(result.outcome).toBe('RETRYABLE');
    expect(result.outcome === 'RETRYABLE' && result.reason).toMatch(/^connection error: ECONNREFUSED/);
  });

  it('a wrong API key is a final DECLINED (401), not a retry loop', async () => {
    const gateway = await startFakeGateway({ apiKey: 'right' });
    try {
      const wrong = new PaymentGatewayClient({ baseUrl: gateway.url, apiKey: 'wrong', logger: quietLogger });
      expect(await wrong.charge(order('o-auth'), { idempotencyKey: 'o-auth', timeoutMs: 2_000 })).toEqual({
        outcome: 'DECLINED',
        reason: 'invalid_api_key (HTTP 401)',
      });
      const right = new PaymentGatewayClient({
        baseUrl: `${gateway.url}/`,
        apiKey: 'right',
        logger: quietLogger,
      });
      expect(
        (await right.charge(order('o-auth'), { idempotencyKey: 'o-auth', timeoutMs: 2_000 })).outcome,
      ).toBe('SUCCEEDED');
    } finally {
      await gateway.close();
    }
  });

  it('rejects a bad base URL at construction', () => {
    expect(() => new PaymentGatewayClient({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => new PaymentGatewayClient({ baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
  });
});
