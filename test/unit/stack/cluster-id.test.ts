import { newClusterId } from '../../../stack/kafka-cluster.ts';

test('a cluster id never starts with "-" (kafka-storage would take it for an option)', () => {
  // 0xf8 as the first byte encodes to '-' in base64url: such ids are drawn again.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
  const id = newClusterId(() => draws.shift() as Buffer);
  expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
  expect(id).toBe(Buffer.alloc(16, 0x41).toString('base64url'));
  expect(draws).toEqual([]);
});

test('ids are 22 base64url characters', () => {
  for (let i = 0; i < 200; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});
