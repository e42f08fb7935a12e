import { TransactionOutcomes } from '../../../../runtime/kafka/transaction-outcomes.ts';

/**
 * How a transaction that a partition still holds open (its markers lost) is ended: as the
 * coordinator decided, which this process knows for its own epochs.
 */
const P = { topic: 'out', partition: 0 };
const Q = { topic: 'out', partition: 1 };

describe('TransactionOutcomes.decision', () => {
  test('a partition the last transaction of the epoch wrote to and committed: commit', () => {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 1);
    outcomes.wrote([P]);
    outcomes.wroteOffsets();
    outcomes.ended('committed');
    expect(outcomes.decision(7n, 1, P, false)).toBe('commit');
    expect(outcomes.decision(7n, 1, { topic: '__consumer_offsets', partition: 2 }, true)).toBe('commit');
  });

  test('a partition the last transaction wrote to but did not commit: abort', () => {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 1);
    outcomes.wrote([P]);
    outcomes.ended('committed');
    outcomes.begin(7n, 1);
    outcomes.wrote([P]);
    outcomes.wroteOffsets();
    outcomes.ended('failed');
    expect(outcomes.decision(7n, 1, P, false)).toBe('abort');
    expect(outcomes.decision(7n, 1, P, true)).toBe('abort');
  });

  test('a partition only earlier transactions of the epoch wrote to: they all committed', () => {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 1);
    outcomes.wrote([Q]);
    outcomes.ended('committed');
    outcomes.begin(7n, 1);
    outcomes.wrote([P]);
    outcomes.ended('aborted');
    expect(outcomes.decision(7n, 1, Q, false)).toBe('commit');
  });

  test('an epoch this process never used (an earlier process): abort', () => {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 2);
    outcomes.ended('committed');
    expect(outcomes.decision(7n, 1, P, false)).toBe('abort');
    expect(outcomes.decision(8n, 2, P, false)).toBe('abort');
  });
});

/**
 * The case the chaos test found: a committed transaction's markers were lost on P, the next
 * transaction added P (and failed while the broker was away); re-initialising makes the
 * coordinator abort that one, and its ABORT marker would close the committed data on P too.
 */
describe('TransactionOutcomes.committedRunEnd', () => {
  function committedThenFailed(): TransactionOutcomes {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 2);
    outcomes.wrote([P]);
    outcomes.landed(P, 456n, 476n);
    outcomes.landed(P, 477n, 514n); // a second request of the same transaction
    outcomes.ended('committed');
    outcomes.begin(7n, 2);
    outcomes.wrote([P]); // sent while the broker stopped: nothing acknowledged
    outcomes.ended('failed');
    return outcomes;
  }

  test('open data that begins with a committed transaction of ours: the run of its writes', () => {
    const outcomes = committedThenFailed();
    expect(outcomes.committedRunEnd(7n, 2, P, 456n)).toBe(514n);
    // The decision after InitProducerId alone would have aborted it: the last transaction wrote P.
    expect(outcomes.decision(7n, 2, P, false)).toBe('abort');
  });

  test('open data starting elsewhere, another partition, another epoch: no committed run', () => {
    const outcomes = committedThenFailed();
    expect(outcomes.committedRunEnd(7n, 2, P, 477n)).toBeNull();
    expect(outcomes.committedRunEnd(7n, 2, Q, 456n)).toBeNull();
    expect(outcomes.committedRunEnd(7n, 1, P, 456n)).toBeNull();
  });

  test('two committed transactions whose markers were both lost: covered back to back', () => {
    const outcomes = new TransactionOutcomes();
    outcomes.begin(7n, 2);
    outcomes.landed(P, 10n, 19n);
    outcomes.ended('committed');
    outcomes.begin(7n, 2);
    outcomes.landed(P, 20n, 29n);
    outcomes.ended('committed');
    outcomes.begin(7n, 2);
    outcomes.landed(P, 31n, 35n);
    outcomes.ended('aborted');
    // The aborted transaction's writes (31..35, after its own gap) are not part of the run.
    expect(outcomes.committedRunEnd(7n, 2, P, 10n)).toBe(29n);
    expect(outcomes.committedRunEnd(7n, 2, P, 20n)).toBe(29n);
  });
});
