import { PunctuationQueue } from '../../../../../runtime/task/internals/punctuation-queue.ts';
import { PunctuationType } from '../../../../../topology/index.ts';

const noop = () => undefined;

describe('PunctuationQueue', () => {
  it('returns due schedules earliest first, ties in insertion order', () => {
    const queue = new PunctuationQueue<string>();
    queue.add('b', PunctuationType.WALL_CLOCK_TIME, 10, 20, noop);
    queue.add('a', PunctuationType.WALL_CLOCK_TIME, 10, 10, noop);
    queue.add('c', PunctuationType.WALL_CLOCK_TIME, 10, 20, noop);
    expect(queue.due(5)).toEqual([]);
    expect(queue.due(20).map((s) => s.node)).toEqual(['a', 'b', 'c']);
  });

  it('advances past missed intervals instead of firing a burst', () => {
    const queue = new PunctuationQueue<string>();
    queue.add('n', PunctuationType.STREAM_TIME, 10, 0, noop);
    expect(queue.due(0).map((s) => s.nextMs)).toEqual([10]);
    expect(queue.due(35).map((s) => s.nextMs)).toEqual([40]);
    expect(queue.due(39)).toEqual([]);
    expect(queue.due(40).map((s) => s.nextMs)).toEqual([50]);
  });

  it('drops cancelled schedules', () => {
    const queue = new PunctuationQueue<string>();
    const handle = queue.add('n', PunctuationType.WALL_CLOCK_TIME, 10, 10, noop);
    handle.cancel();
    expect(queue.size()).toBe(0);
    expect(queue.due(100)).toEqual([]);
  });
});
