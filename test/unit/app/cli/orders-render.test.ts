import { ApiError, describeFailure, OrderApiClient } from '../../../../app/cli/order-api-client.ts';
import { renderAccepted, renderOrder, renderStock, table } from '../../../../app/cli/orders-render.ts';

describe('orders CLI output', () => {
  test('a table: columns as wide as their widest cell, a rule under the header', () => {
    expect(
      table(
        ['a', 'bb'],
        [
          ['xxx', 'y'],
          ['z', ''],
        ],
      ),
    ).toBe(['a    bb', '---  --', 'xxx  y', 'z'].join('\n'));
  });

  test('an order: summary and line states', () => {
    const text = renderOrder({
      orderId: 'o-1',
      status: 'RESERVED',
      createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      lines: { 'SKU-RED': 'RESERVED', 'SKU-BLUE': 'PENDING' },
      amount: 3998,
      currency: 'EUR',
    });
    expect(text).toBe(
      [
        'field    value',
        '-------  ----------------------------',
        'order    o-1',
        'status   RESERVED',
        'created  2026-01-02T03:04:05.000Z',
        'amount   39.98 EUR (3998 minor units)',
        '',
        'sku       line state',
        '--------  ----------',
        'SKU-RED   RESERVED',
        'SKU-BLUE  PENDING',
      ].join('\n'),
    );
  });

  test('stock rows and an accepted order', () => {
    expect(renderStock([{ sku: 'A', onHand: 10, available: 7, reserved: 3, shortfall: 0 }])).toBe(
      [
        'sku  on hand  available  reserved  shortfall',
        '---  -------  ---------  --------  ---------',
        'A    10       7          3         0',
      ].join('\n'),
    );
    expect(renderAccepted(202, { orderId: 'o-1', status: 'ACCEPTED', ignoredFields: ['note'] })).toBe(
      'order o-1 accepted (202 ACCEPTED)\nignored fields: note\nfollow it: npm run orders -- status o-1',
    );
  });

  test('refusals are one line a person can act on', () => {
    expect(
      describeFailure(
        400,
        {
          error: 'x',
          fields: [
            { field: 'currency', reason: 'expected ISO 4217' },
            { field: 'orderId', reason: 'too long' },
          ],
        },
        'order o-1',
        null,
      ),
    ).toBe('rejected (400): currency: expected ISO 4217; orderId: too long');
    expect(describeFailure(404, { error: 'order o-1 not found' }, 'order o-1', null)).toBe(
      'order o-1 not found (404)',
    );
    expect(describeFailure(503, { error: 'restoring' }, 'order o-1', '1')).toMatch(
      /503: restoring.*retry in 1 s/,
    );
    expect(describeFailure(401, {}, 'order o-1', null)).toMatch(/--api-key/);
    expect(describeFailure(500, 'boom', 'sku A', null)).toBe('unexpected answer 500 for sku A: "boom"');
  });

  test('no API listening: says so and suggests npm start', async () => {
    const refused = (() =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      )) as typeof fetch;
    const client = new OrderApiClient('http://127.0.0.1:1', null, refused);
    await expect(client.order('o-1')).rejects.toThrow(
      new ApiError('no order API at http://127.0.0.1:1 (ECONNREFUSED): is `npm start` running?', null),
    );
  });
});
