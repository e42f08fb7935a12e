import { ProgressWatchdog } from '../../../../runtime/internals/progress-watchdog.ts';
import type { AdminPort, GroupConsumerPort, TopicPartition } from '../../../../runtime/ports/ports.ts';
import type { ManagedTask } from '../../../../runtime/internals/task-manager.ts';

/**
 * The watchdog's decision: a task is stalled only when its input position stood still for the
 * whole timeout AND the partition holds records beyond it. Positions and end offsets are plain
 * values here; the rebuild it triggers runs against the real broker in test/chaos.
 */
const tp: TopicPartition = { topic: 'in', partition: 0 };
const task = { name: '0_0', inputs: [tp] } as unknown as ManagedTask;

function world(position: bigint | undefined, end: bigint) {
  const state = { position, end, endLookups: 0 };
  const consumer = { position: () => state.position } as unknown as GroupConsumerPort;
  const admin = {
    endOffsets: async () => {
      state.endLookups++;
      return new Map([['in:0', state.end]]);
    },
  } as unknown as AdminPort;
  return { state, ports: { consumer, admin } };
}

test('a task whose position does not move while input waits is reported after the timeout, not before', async () => {
  const { state, ports } = world(10n, 50n);
  const watchdog = new ProgressWatchdog(1000);
  expect(await watchdog.stalled([task], ports, 0)).toEqual([]);
  expect(await watchdog.stalled([task], ports, 999)).toEqual([]);
  expect(state.endLookups).toBe(0); // healthy or young: the broker is not asked
  const stalled = await watchdog.stalled([task], ports, 1000);
  expect(
    stalled.map((s) => [s.task.name, s.partitions[0]?.position, s.partitions[0]?.end, s.stalledMs]),
  ).toEqual([['0_0', 10n, 50n, 1000]]);
});

test('an idle task (position at the end) is not stalled, and is checked again only after another timeout', async () => {
  const { state, ports } = world(50n, 50n);
  const watchdog = new ProgressWatchdog(1000);
  await watchdog.stalled([task], ports, 0);
  expect(await watchdog.stalled([task], ports, 1500)).toEqual([]);
  expect(state.endLookups).toBe(1);
  expect(await watchdog.stalled([task], ports, 2000)).toEqual([]);
  expect(state.endLookups).toBe(1);
  state.end = 60n; // input arrives, the position stays
  expect(await watchdog.stalled([task], ports, 2600)).toHaveLength(1);
});

test('progress resets the clock; a partition without a position counts as stalled when input waits', async () => {
  const { state, ports } = world(10n, 50n);
  const watchdog = new ProgressWatchdog(1000);
  await watchdog.stalled([task], ports, 0);
  state.position = 20n;
  expect(await watchdog.stalled([task], ports, 1200)).toEqual([]);
  state.position = undefined;
  await watchdog.stalled([task], ports, 1300);
  expect((await watchdog.stalled([task], ports, 2300))[0]?.partitions[0]?.position).toBeUndefined();
});

test('forget() starts a new clock for a rebuilt task', async () => {
  const { ports } = world(10n, 50n);
  const watchdog = new ProgressWatchdog(1000);
  await watchdog.stalled([task], ports, 0);
  watchdog.forget(task.inputs);
  expect(await watchdog.stalled([task], ports, 1500)).toEqual([]);
  expect(await watchdog.stalled([task], ports, 2500)).toHaveLength(1);
});
