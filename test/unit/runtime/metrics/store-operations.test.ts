import { StreamsMetrics } from '../../../../runtime/metrics/streams-metrics.ts';
import { Stores } from '../../../../state-stores/index.ts';
import { Serdes } from '../../../../topology/index.ts';

/**
 * Kafka Streams' store-level metrics: what each open store did, read from the stores when scraped
 * (`kafka_streams_store_operations_total{store, task_id, operation}`).
 */
test("a store's gets, puts, deletes, scans and commits are exported per store and task, read at scrape time", async () => {
  const store = Stores.keyValueStoreBuilder(
    Stores.inMemoryKeyValueStore('counts'),
    Serdes.String(),
    Serdes.String(),
  )
    .withLoggingDisabled()
    .build();
  await store.init({
    applicationId: 'app',
    taskId: '0_1',
    stateDir: '/nonexistent',
    changelog: null,
    logChange: () => undefined,
  });
  const metrics = new StreamsMetrics('app');
  const stop = metrics.observeStores(() => [
    {
      taskId: '0_1',
      store: store.name,
      counts: store.operationCounts?.() ?? {
        gets: -1,
        puts: -1,
        deletes: -1,
        scans: -1,
        commits: -1,
        restoredRecords: -1,
      },
    },
  ]);
  const value = async (operation: string) =>
    (await metrics.storeOperations.get()).values.find(
      (v) => v.labels.operation === operation && v.labels.store === 'counts' && v.labels.task_id === '0_1',
    )?.value;

  await store.put('a', '1');
  await store.put('b', '2');
  await store.get('a');
  await store.delete('b');
  await store.all();
  await store.commit(null);
  expect(await Promise.all(['get', 'put', 'delete', 'scan', 'commit', 'restore'].map(value))).toEqual([
    2, 2, 1, 1, 1, 0,
  ]); // delete reads the old value first: a get

  // Later work shows at the next scrape; a source removed (its thread gone) takes its series along.
  await store.get('a');
  expect(await value('get')).toBe(3);
  stop();
  expect(await value('get')).toBeUndefined();
  await store.close();
});
