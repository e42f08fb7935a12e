import { GroupOwnership } from '../../../../runtime/kafka/group-ownership.ts';

const tp = (partition: number) => ({ topic: 'in', partition });

describe('GroupOwnership: may a transaction commit with the current generation?', () => {
  test('partitions kept through a rebalance: yes, with the new generation', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0), tp(1), tp(2)], 5, false);
    // Polled in 5; generation 6 keeps 0 and 1 with us.
    ownership.apply([tp(0), tp(1)], 6, false);
    expect(ownership.safeToCommit([tp(0), tp(1)], 5, 6)).toBe(true);
  });

  test('a partition the rebalance gave to someone else: no (fenced by the poll generation)', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0), tp(1), tp(2)], 5, false);
    ownership.apply([tp(0), tp(1)], 6, false);
    expect(ownership.safeToCommit([tp(0), tp(2)], 5, 6)).toBe(false);
  });

  test('a partition the cooperative first round took away (given to nobody): yes, in that generation only', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0), tp(1), tp(2)], 5, false);
    ownership.apply([tp(0), tp(1)], 6, true);
    expect(ownership.safeToCommit([tp(0), tp(2)], 5, 6)).toBe(true);
    // The second round may have given it to its new owner.
    ownership.apply([tp(0), tp(1)], 7, false);
    expect(ownership.safeToCommit([tp(0), tp(2)], 5, 7)).toBe(false);
  });

  test('a partition assigned after the poll: no (its records cannot be in this transaction honestly)', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0)], 5, false);
    ownership.apply([tp(0), tp(1)], 6, false);
    expect(ownership.safeToCommit([tp(1)], 5, 6)).toBe(false);
    expect(ownership.safeToCommit([tp(1)], 6, 6)).toBe(true);
  });

  test('takenAwayBy: an assignment that drops one of ours takes it away; one that adds does not', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0), tp(1)], 5, false);
    expect(ownership.takenAwayBy([tp(0)])).toBe(true);
    expect(ownership.takenAwayBy([tp(0), tp(1), tp(2)])).toBe(false);
  });

  test('lost and regained between poll and commit: no', () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0), tp(1)], 5, false);
    ownership.apply([tp(0)], 6, false);
    ownership.apply([tp(0), tp(1)], 7, false);
    expect(ownership.safeToCommit([tp(1)], 5, 7)).toBe(false);
  });

  test('the group is a generation ahead of the assignments we have: no, until it arrives', async () => {
    const ownership = new GroupOwnership();
    ownership.apply([tp(0)], 5, false);
    expect(ownership.safeToCommit([tp(0)], 5, 6)).toBe(false);
    let generation = 6;
    const settled = ownership.settled(() => generation, 5000);
    ownership.apply([tp(0)], 6, false);
    await settled;
    expect(ownership.safeToCommit([tp(0)], 5, generation)).toBe(true);
    // No assignment of 7 ever comes: it gives up waiting, and commits stay fenced.
    generation = 7;
    await ownership.settled(() => generation, 50);
    expect(ownership.safeToCommit([tp(0)], 5, generation)).toBe(false);
    expect(ownership.ownedPartitionNumbers()).toEqual([0]);
  });
});
