import {
  FieldValidationError,
  ISO_4217_CODES,
  ORDER_LIMITS,
  ignoredEventFields,
  jsonEventSerde,
  orderFingerprint,
  type FieldProblem,
  type OrderCreated,
} from '../../../schemas/index.ts';
import { ValidationError } from '../../../engine-common/errors.ts';

/**
 * The rules of docs/order-validation.md, through the serde both doors use (the order API and the
 * `orders` topic decode with jsonEventSerde('order-created')).
 */
const orders = jsonEventSerde('order-created');
const good: OrderCreated = {
  orderId: 'o-1001',
  customerId: 'c-7',
  items: [
    { sku: 'SKU-RED', quantity: 2, unitPrice: 1999 },
    { sku: 'SKU-BLUE', quantity: 1, unitPrice: 4999 },
  ],
  currency: 'EUR',
  paymentMethod: 'card',
  contact: { email: 'ada@example.com', phone: '+4915112345678', webhookUrl: 'https://hooks.example/o' },
  createdAt: 1_700_000_000_000,
};

function decode(value: unknown): OrderCreated {
  return orders.deserialize('orders', Buffer.from(JSON.stringify(value)));
}

/** The problems a value is rejected with (fails the test when it is accepted). */
function problems(value: unknown): readonly FieldProblem[] {
  try {
    decode(value);
  } catch (error) {
    expect(error).toBeInstanceOf(FieldValidationError);
    expect(error).toBeInstanceOf(ValidationError); // so the engine dead-letters it
    return (error as FieldValidationError).fields;
  }
  throw new Error(`accepted: ${JSON.stringify(value).slice(0, 200)}`);
}

const withItem = (item: Partial<OrderCreated['items'][number]>) => ({
  ...good,
  items: [{ ...good.items[0], ...item }],
});
const withContact = (contact: Partial<OrderCreated['contact']>) => ({ ...good, contact: { ...contact } });

it('accepts a sane order unchanged', () => {
  expect(decode(good)).toEqual(good);
});

describe('the reported cases', () => {
  it('rejects a 10,000-character orderId, naming the field and the length without echoing it', () => {
    const found = problems({ ...good, orderId: 'x'.repeat(10_000) });
    expect(found).toEqual([
      { field: 'orderId', reason: expect.stringMatching(/1-64 characters.*got 10000 characters/) },
    ]);
    expect(JSON.stringify(found).length).toBeLessThan(300);
  });

  it('rejects the currency "E U R<script>" as no ISO 4217 code', () => {
    expect(problems({ ...good, currency: 'E U R<script>' })).toEqual([
      { field: 'currency', reason: expect.stringMatching(/ISO 4217.*got "E U R<script>"/) },
    ]);
  });

  it('lists every broken field at once', () => {
    expect(
      problems({ ...good, orderId: 'x'.repeat(10_000), currency: 'E U R<script>' }).map((p) => p.field),
    ).toEqual(['orderId', 'currency']);
  });
});

describe('identifiers: orderId, customerId, sku, paymentMethod', () => {
  const max = 'a'.repeat(ORDER_LIMITS.identifierMaxLength);
  it.each(['o-1', 'shop-eu:o_123.4', '550e8400-e29b-41d4-a716-446655440000', max])('accept %s', (id) => {
    expect(decode({ ...good, orderId: id, customerId: id, paymentMethod: id }).orderId).toBe(id);
    expect(decode(withItem({ sku: id })).items[0]?.sku).toBe(id);
  });

  it.each([
    ['empty', '', /must not be empty/],
    ['65 characters', `${max}a`, /got 65 characters/],
    ['a space', 'o 1', /A-Z a-z 0-9 \. _ : -, got "o 1"/],
    ['a slash (it would break GET /orders/:id)', 'o/1', /got "o\/1"/],
    ['markup', '<b>', /got "<b>"/],
    ['non-ASCII', 'ordré', /got "ordré"/],
    ['a control character', 'o\n1', /got "o\\n1"/],
  ])('reject %s', (_name, id, reason) => {
    for (const field of ['orderId', 'customerId', 'paymentMethod'] as const)
      expect(problems({ ...good, [field]: id })).toEqual([{ field, reason: expect.stringMatching(reason) }]);
    expect(problems(withItem({ sku: id }))).toEqual([
      { field: 'items[0].sku', reason: expect.stringMatching(reason) },
    ]);
  });
});

describe('currency: an active ISO 4217 code', () => {
  it.each(['EUR', 'USD', 'JPY', 'GBP', 'CHF', 'KWD', 'XOF', 'XCG', 'ZWG'])('accepts %s', (currency) => {
    expect(decode({ ...good, currency }).currency).toBe(currency);
  });

  it.each([
    ['lower case', 'eur'],
    ['made up, though three letters', 'ABC'],
    ['withdrawn (HRK, Croatia uses EUR since 2023)', 'HRK'],
    ['withdrawn (ANG, replaced by XCG)', 'ANG'],
    ['not money (gold)', 'XAU'],
    ['the testing code', 'XTS'],
    ['"no currency"', 'XXX'],
    ['the numeric code', '978'],
    ['padded', ' EUR'],
    ['empty', ''],
  ])('rejects %s', (_name, currency) => {
    expect(problems({ ...good, currency })).toEqual([
      { field: 'currency', reason: expect.stringMatching(/active ISO 4217 code/) },
    ]);
  });

  it('the list holds only three-letter upper-case codes', () => {
    expect(ISO_4217_CODES.size).toBeGreaterThan(150);
    for (const code of ISO_4217_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });
});

describe('lines', () => {
  it('accepts 1 and 100 lines, rejects 0 and 101', () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPrice: 1 }));
    expect(decode({ ...good, items: lines(1) }).items).toHaveLength(1);
    expect(decode({ ...good, items: lines(ORDER_LIMITS.maxItems) }).items).toHaveLength(100);
    expect(problems({ ...good, items: lines(0) })).toEqual([
      { field: 'items', reason: 'an order has 1-100 items, got 0' },
    ]);
    expect(problems({ ...good, items: lines(101) })).toEqual([
      { field: 'items', reason: 'an order has 1-100 items, got 101' },
    ]);
  });

  it('reports at most 20 problems, then how many more', () => {
    const bad = Array.from({ length: 30 }, (_, i) => ({ sku: `S${i}`, quantity: 0, unitPrice: 1 }));
    const found = problems({ ...good, items: bad });
    expect(found).toHaveLength(21);
    expect(found[20]).toEqual({ field: '(more)', reason: '10 more problems not listed' });
  });

  it('rejects a SKU twice in one order', () => {
    expect(problems({ ...good, items: [good.items[0], good.items[0]] })).toEqual([
      { field: 'items[1].sku', reason: 'SKU-RED appears twice in one order' },
    ]);
  });

  it.each([1, ORDER_LIMITS.maxQuantity])('accepts quantity %d', (quantity) => {
    expect(decode(withItem({ quantity })).items[0]?.quantity).toBe(quantity);
  });

  it.each([
    [0, /expected >= 1, got 0/],
    [-2, /expected >= 1, got -2/],
    [1_001, /expected <= 1000 per line, got 1001/],
    [1.5, /expected int/],
  ])('rejects quantity %d', (quantity, reason) => {
    expect(problems(withItem({ quantity }))).toEqual([
      { field: 'items[0].quantity', reason: expect.stringMatching(reason) },
    ]);
  });

  it.each([0, 1, ORDER_LIMITS.maxUnitPrice])('accepts unit price %d (minor units)', (unitPrice) => {
    expect(decode(withItem({ unitPrice })).items[0]?.unitPrice).toBe(unitPrice);
  });

  it.each([
    [-1, /non-negative integer \(minor units\) <= 100000000, got -1/],
    [100_000_001, /<= 100000000, got 100000001/],
    [19.99, /expected long/],
  ])('rejects unit price %d', (unitPrice, reason) => {
    expect(problems(withItem({ unitPrice }))).toEqual([
      { field: 'items[0].unitPrice', reason: expect.stringMatching(reason) },
    ]);
  });
});

describe('contact', () => {
  it('accepts no contact channel at all', () => {
    expect(decode({ ...good, contact: {} }).contact).toEqual({ email: null, phone: null, webhookUrl: null });
  });

  it.each(['ada@example.com', 'a.b+tag@mail.example.co.uk', 'a@b', `${'a'.repeat(64)}@example.com`])(
    'accepts email %s',
    (email) => {
      expect(decode(withContact({ email })).contact.email).toBe(email);
    },
  );

  it.each([
    ['no @', 'ada.example.com'],
    ['two @', 'a@b@c'],
    ['a space', 'ada @example.com'],
    ['markup', '<ada@example.com>'],
    ['a 65-character local part', `${'a'.repeat(65)}@example.com`],
    [
      '255 characters (each label valid)',
      `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(61)}`,
    ],
    ['a header injection', 'ada@example.com\r\nBcc: all@example.com'],
  ])('rejects email with %s', (_name, email) => {
    expect(problems(withContact({ email }))).toEqual([
      { field: 'contact.email', reason: expect.stringMatching(/ada@example\.com \(at most 254/) },
    ]);
  });

  it.each(['+4915112345678', '+1234567', '+123456789012345'])('accepts phone %s', (phone) => {
    expect(decode(withContact({ phone })).contact.phone).toBe(phone);
  });

  it.each(['015112345678', '+0123456789', '+1234567890123456', '+49 151 1234', '+123456'])(
    'rejects phone %s',
    (phone) => {
      expect(problems(withContact({ phone }))).toEqual([
        { field: 'contact.phone', reason: expect.stringMatching(/E\.164/) },
      ]);
    },
  );

  it.each(['https://hooks.example/orders?x=1', 'http://127.0.0.1:8093/hook', 'sub-42'])(
    'accepts webhookUrl %s',
    (webhookUrl) => {
      expect(decode(withContact({ webhookUrl })).contact.webhookUrl).toBe(webhookUrl);
    },
  );

  it.each([
    ['credentials', 'https://user:secret@hooks.example/'],
    ['another scheme', 'javascript:alert(1)'],
    ['a file URL', 'file:///etc/passwd'],
    ['no host', 'https://'],
    ['2049 characters', `https://hooks.example/${'a'.repeat(2049 - 22)}`],
    ['spaces', 'https://hooks.example/a b'],
  ])('rejects webhookUrl with %s', (_name, webhookUrl) => {
    expect(problems(withContact({ webhookUrl }))).toEqual([
      { field: 'contact.webhookUrl', reason: expect.stringMatching(/http\(s\) URL without user:password/) },
    ]);
  });
});

describe('createdAt', () => {
  it.each([null, 0, Date.now()])('accepts %s', (createdAt) => {
    expect(decode({ ...good, createdAt }).createdAt).toBe(createdAt);
  });

  it('rejects a negative time', () => {
    expect(problems({ ...good, createdAt: -1 })).toEqual([
      { field: 'createdAt', reason: expect.stringMatching(/epoch milliseconds/) },
    ]);
  });
});

describe('fields the schema does not know', () => {
  it('are dropped (CONTRACT.md) and named, at any depth', () => {
    const value = {
      ...good,
      note: 'leave at door',
      contact: { ...good.contact, fax: '1' },
      items: [{ ...good.items[0], colour: 'red' }],
    };
    expect(decode(value)).toEqual({ ...good, items: [good.items[0]] });
    expect(ignoredEventFields('order-created', value)).toEqual(['items[0].colour', 'contact.fax', 'note']);
    expect(ignoredEventFields('order-created', good)).toEqual([]);
  });
});

describe('stock records', () => {
  const stock = jsonEventSerde('stock-adjusted');
  it('name their SKU like an order does', () => {
    expect(stock.deserialize('stock', Buffer.from('{"sku":"SKU-RED","delta":3}')).sku).toBe('SKU-RED');
    expect(() => stock.deserialize('stock', Buffer.from('{"sku":"SKU RED","delta":3}'))).toThrow(
      /sku: expected 1-64 characters/,
    );
  });
});

describe('orderFingerprint', () => {
  it('is the same for the same order with lines in another order or another createdAt', () => {
    expect(orderFingerprint({ ...good, items: [...good.items].reverse(), createdAt: null })).toBe(
      orderFingerprint(good),
    );
  });

  it.each([
    ['customerId', { customerId: 'c-8' }],
    ['a quantity', { items: [{ ...good.items[0], quantity: 3 }, good.items[1]] }],
    ['a line less', { items: [good.items[0]] }],
    ['currency', { currency: 'USD' }],
    ['paymentMethod', { paymentMethod: 'invoice' }],
    ['contact', { contact: { ...good.contact, email: 'bob@example.com' } }],
  ] as [string, Partial<OrderCreated>][])('differs when %s differs', (_name, change) => {
    expect(orderFingerprint({ ...good, ...change } as OrderCreated)).not.toBe(orderFingerprint(good));
  });
});
