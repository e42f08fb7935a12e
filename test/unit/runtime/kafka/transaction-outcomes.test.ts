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
