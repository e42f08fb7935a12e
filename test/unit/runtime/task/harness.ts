import { pino } from 'pino';
import type { Topology } from '../../../../topology/index.ts';
import {
  TaskProcessor,
  type ChangelogRecordOut,
  type DeadLetterRecord,
  type OutgoingRecord,
  type TaskInputRecord,
  type TaskProcessorOptions,
} from '../../../../runtime/task/index.ts';

export interface Harness {
  task: TaskProcessor;
  sent: OutgoingRecord[];
  changelog: ChangelogRecordOut[];
  deadLetters: DeadLetterRecord[];
  clock: { now: number };
}

/** A task of sub-topology 0 on partition 3 with collecting sinks and a settable clock. */
export function taskHarness(topology: Topology, options: Partial<TaskProcessorOptions> = {}): Harness {
  const sent: OutgoingRecord[] = [];
  const changelog: ChangelogRecordOut[] = [];
  const deadLetters: DeadLetterRecord[] = [];
  const clock = { now: 1_000 };
  const task = new TaskProcessor(topology, {
    applicationId: 'app',
    taskId: { subtopology: 0, partition: 3 },
    stateDir: '/nonexistent/state/app/0_3',
    recordCollector: { send: (r) => sent.push(r) },
    changelogCollector: (r) => changelog.push(r),
    deadLetterHandler: (r) => {
      deadLetters.push(r);
    },
    time: { nowMs: () => clock.now },
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return { task, sent, changelog, deadLetters, clock };
}

let offset = 0n;

export function input(
  topic: string,
  key: string | Buffer | null,
  value: string | Buffer | null,
  timestamp = 0,
  headers = new Map<string, Buffer>(),
): TaskInputRecord {
  const bytes = (x: string | Buffer | null) => (x === null ? null : Buffer.isBuffer(x) ? x : Buffer.from(x));
  return { topic, partition: 3, offset: offset++, key: bytes(key), value: bytes(value), timestamp, headers };
}
