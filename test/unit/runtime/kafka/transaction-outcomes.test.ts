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
describe('TransactionOutcomes.committedOnly', () => {
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

  test('open data that is exactly a committed transaction of ours: provably committed', () => {
    const outcomes = committedThenFailed();
    expect(outcomes.committedOnly(7n, 2, P, 456n, 515n)).toBe(true);
    // The decision after InitProducerId alone would have aborted it: the last transaction wrote P.
    expect(outcomes.decision(7n, 2, P, false)).toBe('abort');
  });

  test('more data after it (the failed transaction landed some): not provable', () => {
    expect(committedThenFailed().committedOnly(7n, 2, P, 456n, 520n)).toBe(false);
  });

  test('open data starting elsewhere, another partition, another epoch: not provable', () => {
    const outcomes = committedThenFailed();
    expect(outcomes.committedOnly(7n, 2, P, 477n, 515n)).toBe(false);
    expect(outcomes.committedOnly(7n, 2, Q, 456n, 515n)).toBe(false);
    expect(outcomes.committedOnly(7n, 1, P, 456n, 515n)).toBe(false);
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
    expect(outcomes.committedOnly(7n, 2, P, 10n, 30n)).toBe(true);
    expect(outcomes.committedOnly(7n, 2, P, 10n, 36n)).toBe(false);
  });
});
