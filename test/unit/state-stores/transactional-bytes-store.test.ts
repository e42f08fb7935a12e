import type { ByteWrite } from '../../../state-stores/internals/bytes.ts';
import { InMemoryBytesStore } from '../../../state-stores/internals/in-memory-bytes-store.ts';
import { TransactionalBytesStore } from '../../../state-stores/internals/transactional-bytes-store.ts';

/** An inner store whose batch write takes a while, as RocksDB's does. */
class SlowInner extends InMemoryBytesStore {
  release: (() => void) | null = null;
  override async write(writes: readonly ByteWrite[], checkpoint: bigint | null): Promise<void> {
    await new Promise<void>((resolve) => (this.release = resolve));
    await super.write(writes, checkpoint);
  }
}

const b = (text: string) => Buffer.from(text);

test('reads during a commit see the writes being committed, never the old values', async () => {
  const inner = new SlowInner();
  const store = new TransactionalBytesStore(inner);
  store.put(b('k'), b('old'));
  const first = store.commit(null);
  inner.release?.();
  await first;

  store.put(b('k'), b('new'));
  store.put(b('gone'), null);
  const commit = store.commit(null);
  // The buffer was handed to the inner write, which has not landed yet.
  expect((await store.get(b('k')))?.toString()).toBe('new');
  expect((await store.getMany([b('k')]))[0]?.toString()).toBe('new');
  expect((await store.scan({ from: null, toExclusive: null })).map((e) => e.value.toString())).toEqual([
    'new',
  ]);
  // A write of the next transaction wins over the one being committed.
  store.put(b('k'), b('newer'));
  expect((await store.get(b('k')))?.toString()).toBe('newer');
  inner.release?.();
  await commit;
  expect((await inner.get(b('k')))?.toString()).toBe('new');
  expect((await store.get(b('k')))?.toString()).toBe('newer');
});
