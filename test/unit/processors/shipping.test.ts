import { planShipment, SMALL_PARCEL_MAX_UNITS } from '../../../processors/shipping.ts';

// planShipment is a pure function the saga calls when an order is paid (no processor or store of
// its own), so it is tested directly; the saga's tests check that its plan is what gets emitted.

const items = (...quantities: number[]) => quantities.map((quantity) => ({ quantity }));

test('up to 3 units go by the postal carrier in 3 days', () => {
  expect(SMALL_PARCEL_MAX_UNITS).toBe(3);
  for (const lines of [items(1), items(3), items(1, 1, 1), items(2, 1)]) {
    expect(planShipment({ orderId: 'o-1', items: lines }, 0)).toEqual(
      expect.objectContaining({ carrier: 'postal', etaDays: 3 }),
    );
  }
});

test('4 units or more go by freight in 5 days', () => {
  for (const lines of [items(4), items(2, 2), items(1, 1, 1, 1), items(1000)]) {
    expect(planShipment({ orderId: 'o-1', items: lines }, 0)).toEqual(
      expect.objectContaining({ carrier: 'freight', etaDays: 5 }),
    );
  }
});

test('units are counted over all lines, not per line', () => {
  // Each line alone is a small parcel; together they are not.
  expect(planShipment({ orderId: 'o-1', items: items(3) }, 0).carrier).toBe('postal');
  expect(planShipment({ orderId: 'o-1', items: items(3, 1) }, 0).carrier).toBe('freight');
});

test('the plan names the order and is scheduled at the time given; the same input, the same plan', () => {
  const order = { orderId: 'o-42', items: items(2) };
  const plan = planShipment(order, 1_700_000_000_000);
  expect(plan).toEqual({ orderId: 'o-42', carrier: 'postal', etaDays: 3, scheduledAt: 1_700_000_000_000 });
  expect(planShipment(order, 1_700_000_000_000)).toEqual(plan);
});
