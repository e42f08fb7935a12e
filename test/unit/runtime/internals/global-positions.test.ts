import { planGlobalStart } from '../../../../runtime/internals/global-positions.ts';

const partitions = [
  { topic: 't', partition: 0 },
  { topic: 't', partition: 1 },
];
const entry = (partition: number, offset: bigint) =>
  [`t:${partition}`, { topic: 't', partition, offset }] as const;

describe('planGlobalStart', () => {
  const beginnings = new Map([
    ['t:0', 0n],
    ['t:1', 4n],
  ]);
  const ends = new Map([
    ['t:0', 10n],
    ['t:1', 20n],
  ]);

  it('resumes from the checkpoint, never before what retention left', () => {
    const plan = planGlobalStart({
      partitions,
      checkpoint: new Map([entry(0, 6n), entry(1, 2n)]),
      persistent: true,
      beginnings,
      ends,
    });
    expect(plan.wipeReason).toBeNull();
    expect(plan.from).toEqual(
      new Map([
        ['t:0', 6n],
        ['t:1', 4n],
      ]),
    );
  });

  it('reads a partition added since the checkpoint from its beginning', () => {
    const plan = planGlobalStart({
      partitions,
      checkpoint: new Map([entry(0, 10n)]),
      persistent: true,
      beginnings,
      ends,
    });
    expect(plan.wipeReason).toBeNull();
    expect(plan.from.get('t:1')).toBe(4n);
  });

  it.each([
    ['no checkpoint', null, true, /no checkpoint/],
    ['in-memory stores', new Map([entry(0, 6n)]), false, /in-memory/],
    ['a checkpoint past the end', new Map([entry(1, 21n)]), true, /beyond its end 20/],
    ['a partition that is gone', new Map([entry(2, 1n)]), true, /t:2, which no longer exists/],
  ])('wipes and starts from the beginning with %s', (_name, checkpoint, persistent, reason) => {
    const plan = planGlobalStart({ partitions, checkpoint, persistent, beginnings, ends });
    expect(plan.wipeReason).toMatch(reason);
    expect(plan.from).toEqual(beginnings);
  });
});
