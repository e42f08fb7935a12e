import {
  DeadLetterHeader,
  buildDeadLetterRecord,
  deadLetterHeaders,
  errorReason,
  readDeadLetterHeaders,
} from '../../../../runtime/task/index.ts';
import { ValidationError } from '../../../../topology/index.ts';

describe('dead-letter records', () => {
  const source = { topic: 'orders', partition: 2, offset: 12345678901234n };

  it('adds the CONTRACT.md headers as UTF-8 strings, keeping the original headers', () => {
    const headers = deadLetterHeaders({
      reason: 'bad',
      stage: 'validate',
      source,
      atMs: 1_700_000_000_000,
      original: new Map([
        ['traceparent', Buffer.from('tp')],
        [DeadLetterHeader.REASON, Buffer.from('stale')],
      ]),
    });
    expect(Object.fromEntries([...headers].map(([k, v]) => [k, v.toString('utf8')]))).toEqual({
      traceparent: 'tp',
      'error.reason': 'bad',
      'error.stage': 'validate',
      'source.topic': 'orders',
      'source.partition': '2',
      'source.offset': '12345678901234',
      'error.at': '1700000000000',
    });
  });

  it('keeps key and value bytes untouched and round-trips through readDeadLetterHeaders', () => {
    const key = Buffer.from([0, 1, 2]);
    const value = Buffer.from([255, 254]);
    const record = buildDeadLetterRecord({
      key,
      value,
      timestamp: 9,
      error: new ValidationError('quantity must be >= 1'),
      stage: 'validate',
      source,
      atMs: 10,
    });
    expect(record.key).toBe(key);
    expect(record.value).toBe(value);
    expect(record.reason).toBe('ValidationError: quantity must be >= 1');
    expect(readDeadLetterHeaders(record.headers)).toEqual({
      reason: 'ValidationError: quantity must be >= 1',
      stage: 'validate',
      sourceTopic: 'orders',
      sourcePartition: 2,
      sourceOffset: 12345678901234n,
      atMs: 10,
    });
  });

  it('caps very long reasons', () => {
    const reason = errorReason(new Error('x'.repeat(10_000)));
    expect(reason.length).toBe(2000);
    expect(reason.endsWith('…')).toBe(true);
    expect(errorReason('plain string')).toBe('plain string');
  });
});
