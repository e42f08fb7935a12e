import { planTasks, type MemberState } from '../../../../runtime/kafka/sticky-task-plan.ts';

const member = (
  memberId: string,
  owned: number[] = [],
  warm: number[] = [],
  ownedGeneration = 1,
): MemberState => ({
  memberId,
  owned,
  ownedGeneration,
  warm,
});
const plain = (plan: ReturnType<typeof planTasks>) => Object.fromEntries(plan.active);

test('a fresh group spreads the tasks evenly', () => {
  const plan = planTasks([member('c'), member('a'), member('b')], 6, { cooperative: true });
  expect([...plan.active.values()].map((t) => t.length)).toEqual([2, 2, 2]);
  expect([...plan.active.values()].flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  expect(plan.withheld).toEqual([]);
});

test('a joining member takes only what it must, and cooperatively: first nobody owns the moving tasks', () => {
  const before = [member('a', [0, 2, 4]), member('b', [1, 3, 5])];
  const round1 = planTasks([...before, member('c')], 6, { cooperative: true });
  // The owners keep two each and give up one; the newcomer gets nothing yet.
  expect(round1.active.get('a')).toHaveLength(2);
  expect(round1.active.get('b')).toHaveLength(2);
  expect(round1.active.get('c')).toEqual([]);
  expect(round1.withheld).toHaveLength(2);
  for (const task of round1.active.get('a') ?? []) expect([0, 2, 4]).toContain(task);
  for (const task of round1.active.get('b') ?? []) expect([1, 3, 5]).toContain(task);

  // The owners revoked and rejoin: the withheld tasks now go to the newcomer, nothing else moves.
  const round2 = planTasks(
    [
      member('a', round1.active.get('a'), [], 2),
      member('b', round1.active.get('b'), [], 2),
      member('c', [], [], -1),
    ],
    6,
    { cooperative: true },
  );
  expect(round2.active.get('a')).toEqual(round1.active.get('a'));
  expect(round2.active.get('b')).toEqual(round1.active.get('b'));
  expect(round2.active.get('c')).toEqual(round1.withheld);
  expect(round2.withheld).toEqual([]);
});

test('the tasks of a member that left go to the members holding their state', () => {
  // c died; b kept standbys of c's tasks 2 and 5.
  const plan = planTasks([member('a', [0, 3]), member('b', [1, 4], [2, 5])], 6, { cooperative: true });
  // Balanced first: b takes one of its warm tasks (quota 3), a takes the other.
  expect(plain(plan)).toEqual({ a: [0, 3, 5], b: [1, 2, 4] });
  expect(plan.withheld).toEqual([]);
});

test('a warm member gets an orphaned task when it has room', () => {
  const plan = planTasks([member('a', [0]), member('b', [1], [2, 3])], 4, { cooperative: true });
  expect(plain(plan)).toEqual({ a: [0, 3], b: [1, 2] });
});

test('of two members claiming a task, the newer generation wins', () => {
  const plan = planTasks([member('a', [0, 1], [], 3), member('b', [1], [], 2)], 2, { cooperative: true });
  expect(plan.active.get('a')).toEqual([0]);
  // 1 belongs to a (generation 3) but must move to b for balance: withheld this round.
  expect(plan.withheld).toEqual([1]);
  expect(plan.active.get('b')).toEqual([]);
});

test('without the cooperative protocol a moving task goes straight to its new owner', () => {
  const plan = planTasks([member('a', [0, 1, 2, 3]), member('b')], 4, { cooperative: false });
  expect(plan.active.get('a')).toEqual([0, 1]);
  expect(plan.active.get('b')).toEqual([2, 3]);
  expect(plan.withheld).toEqual([]);
});

test('any mix of claims: every task placed once, and no member more than one task above another', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 300; round++) {
    const taskCount = 1 + Math.floor(random() * 24);
    const members = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => {
      const pick = () => Array.from({ length: taskCount }, (_, t) => t).filter(() => random() < 0.3);
      return member(`m${i}`, pick(), pick(), Math.floor(random() * 4));
    });
    const plan = planTasks(members, taskCount, { cooperative: false });
    const placed = [...plan.active.values()].flat().sort((a, b) => a - b);
    expect(placed).toEqual(Array.from({ length: taskCount }, (_, t) => t));
    const sizes = [...plan.active.values()].map((t) => t.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);

    const cooperative = planTasks(members, taskCount, { cooperative: true });
    const kept = [...cooperative.active.values()].flat();
    expect([...kept, ...cooperative.withheld].sort((a, b) => a - b)).toEqual(placed);
  }
});
