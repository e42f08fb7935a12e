import { parseItem, parseOrdersArgs, UsageError } from '../../../../app/cli/orders-args.ts';

const NOW = 1_700_000_000_000;

describe('orders CLI arguments', () => {
  test('place: lines, currency, contact, API key and URL from the environment', () => {
    const command = parseOrdersArgs(
      [
        'place',
        '--customer',
        'c-7',
        '--item',
        'SKU-RED:2:1999',
        '--item',
        'SKU-BLUE:1',
        '--email',
        'ada@example.com',
      ],
      { ORDER_API_KEY: 'k'.repeat(16), HTTP_PORT: '9000' },
      NOW,
    );
    expect(command).toEqual({
      kind: 'place',
      url: 'http://127.0.0.1:9000',
      apiKey: 'k'.repeat(16),
      json: false,
      order: {
        orderId: expect.stringMatching(/^o-[0-9a-z]+-[0-9a-f]{4}$/),
        customerId: 'c-7',
        items: [
          { sku: 'SKU-RED', quantity: 2, unitPrice: 1999 },
          { sku: 'SKU-BLUE', quantity: 1, unitPrice: 0 },
        ],
        currency: 'EUR',
        paymentMethod: 'card',
        contact: { email: 'ada@example.com' },
      },
    });
  });

  test('place: --order-id, --currency, --url (trailing slash dropped), --api-key and --json win', () => {
    const command = parseOrdersArgs(
      [
        'place',
        '--customer',
        'c',
        '--item',
        'A:1:5',
        '--order-id',
        'o-1',
        '--currency',
        'USD',
        '--url',
        'http://h:1/',
        '--api-key',
        'mine',
        '--json',
        '--phone',
        '+4915112345678',
        '--webhook',
        'sub-1',
      ],
      { ORDER_API_KEY: 'env-key', ORDER_API_URL: 'http://other:2' },
    );
    expect(command).toMatchObject({
      kind: 'place',
      url: 'http://h:1',
      apiKey: 'mine',
      json: true,
      order: { orderId: 'o-1', currency: 'USD', contact: { phone: '+4915112345678', webhookUrl: 'sub-1' } },
    });
  });

  test('the default URL is ORDER_API_URL, else 127.0.0.1:8080', () => {
    expect(parseOrdersArgs(['status', 'o-1'], {})).toMatchObject({
      url: 'http://127.0.0.1:8080',
      apiKey: null,
    });
    expect(parseOrdersArgs(['status', 'o-1'], { ORDER_API_URL: 'http://api:80' })).toMatchObject({
      url: 'http://api:80',
    });
  });

  test('status and stock', () => {
    expect(parseOrdersArgs(['status', 'o-1'])).toMatchObject({ kind: 'status', orderId: 'o-1' });
    expect(parseOrdersArgs(['stock', 'A', 'B'])).toMatchObject({ kind: 'stock', skus: ['A', 'B'] });
  });

  test('help: --help, -h, or nothing', () => {
    expect(parseOrdersArgs([])).toEqual({ kind: 'help' });
    expect(parseOrdersArgs(['place', '--help'])).toEqual({ kind: 'help' });
    expect(parseOrdersArgs(['-h'])).toEqual({ kind: 'help' });
  });

  test.each([
    [['ship'], /unknown command ship/],
    [['place', '--item', 'A:1'], /--customer/],
    [['place', '--customer', 'c'], /--item/],
    [['place', '--customer', 'c', '--item', 'A'], /SKU:QTY/],
    [['place', '--customer', 'c', '--item', 'A:x'], /SKU:QTY/],
    [['place', '--customer', 'c', '--item', 'A:-1'], /SKU:QTY/],
    [['status'], /exactly one ORDER_ID/],
    [['status', 'a', 'b'], /exactly one ORDER_ID/],
    [['stock'], /at least one SKU/],
    [['status', 'o-1', '--customer', 'c'], /only go with place/],
    [['status', 'o-1', '--bogus'], /bogus/],
    [['status', 'o-1', '--url', 'ftp://x'], /http:\/\/host:port/],
  ])('%j is a usage error naming the problem', (argv, message) => {
    expect(() => parseOrdersArgs(argv)).toThrow(UsageError);
    expect(() => parseOrdersArgs(argv)).toThrow(message);
  });

  test('an item: a SKU may hold colons; the last one or two parts are the numbers', () => {
    expect(parseItem('shop-eu:sku-1:3')).toEqual({ sku: 'shop-eu:sku-1', quantity: 3, unitPrice: 0 });
    expect(parseItem('shop-eu:sku-1:3:250')).toEqual({ sku: 'shop-eu:sku-1', quantity: 3, unitPrice: 250 });
    expect(parseItem('A:3:250')).toEqual({ sku: 'A', quantity: 3, unitPrice: 250 });
  });
});
