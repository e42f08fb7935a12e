import { LostCommits, planLostCommit } from '../../../../runtime/kafka/lost-commits.ts';
import type { ProducedRecord } from '../../../../runtime/ports/ports.ts';

/**
 * The case a chaos repeat found after a broker restart: transaction T1 committed, but its COMMIT
 * marker was lost on the order-saga changelog's partition 2 (offsets 287..311); T2 then wrote
 * offset 312 there and failed. The partition holds 287..312 open as one transaction of ours. An
 * ABORT marker (T2's) takes T1's committed writes too; a COMMIT marker makes T2's failed write
 * visible. Neither is right: T1's writes are read back and written again after the abort.
 */
describe('planLostCommit', () => {
  const never = async () => {
    throw new Error('not asked');
  };

  test('open data that does not begin with committed writes of ours: left to the abort', async () => {
    expect(await planLostCommit(null, 313n, never)).toEqual({ action: 'leave' });
  });

  test('only committed writes up to the log end: the lost COMMIT marker is written', async () => {
    expect(await planLostCommit(311n, 312n, never)).toEqual({ action: 'commit' });
  });

  test('committed writes followed by a write of ours that did not commit: rewritten after the abort', async () => {
    const asked: [bigint, bigint][] = [];
    const plan = await planLostCommit(311n, 313n, async (from, to) => {
      asked.push([from, to]);
      return true;
    });
    expect(plan).toEqual({ action: 'rewrite', committedEnd: 311n });
    expect(asked).toEqual([[312n, 313n]]);
  });

  test("committed writes followed by other producers' records only: our COMMIT marker cannot touch those", async () => {
    expect(await planLostCommit(311n, 320n, async () => false)).toEqual({ action: 'commit' });
  });
});

describe('LostCommits', () => {
  const record = (partition: number, value: string): ProducedRecord => ({
    topic: 'changelog',
    partition,
    key: Buffer.from('k'),
    value: Buffer.from(value),
    timestamp: 1,
    headers: new Map(),
  });

  test('kept once per partition and offset, written back in offset order per partition', () => {
    const kept = new LostCommits();
    kept.keep([
      { offset: 288n, record: record(2, 'b') },
      { offset: 287n, record: record(2, 'a') },
    ]);
    // The repair ran again (the broker was away the first time): the same records, read again.
    kept.keep([
      { offset: 287n, record: record(2, 'a') },
      { offset: 288n, record: record(2, 'b') },
      { offset: 40n, record: record(0, 'x') },
    ]);
    expect(kept.size).toBe(3);
    expect(kept.records().map((r) => `${r.partition}:${String(r.value)}`)).toEqual(['2:a', '2:b', '0:x']);
    expect(kept.partitions()).toEqual([
      { topic: 'changelog', partition: 2 },
      { topic: 'changelog', partition: 0 },
    ]);
    kept.clear();
    expect(kept.size).toBe(0);
  });
});
