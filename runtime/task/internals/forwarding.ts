import type { AnyRecord, TaskNode } from './task-node.ts';

/**
 * The task's execution engine. A node's call (process or punctuator) runs first; what it forwarded
 * then runs in forward order, each record through its whole sub-tree before the next (depth-first,
 * like Kafka Streams). Promises are awaited only when a processor returns one, so a fully
 * synchronous sub-topology costs no microtask per node.
 */
export function invoke(node: TaskNode, call: () => void | Promise<void>): void | Promise<void> {
  node.pending = [];
  let result: void | Promise<void>;
  try {
    result = call();
  } catch (error) {
    node.pending = null;
    throw error;
  }
  if (isPromiseLike(result)) {
    return result.then(
      () => drain(node),
      (error: unknown) => {
        node.pending = null;
        throw error;
      },
    );
  }
  return drain(node);
}

/** Runs `forwards[start..]` in order. */
export function runAll(forwards: readonly [TaskNode, AnyRecord][], start = 0): void | Promise<void> {
  for (let i = start; i < forwards.length; i++) {
    const [child, record] = forwards[i] as [TaskNode, AnyRecord];
    const result = invoke(child, () => child.processor.process(record));
    if (isPromiseLike(result)) return result.then(() => runAll(forwards, i + 1));
  }
}

function drain(node: TaskNode): void | Promise<void> {
  const forwards = node.pending ?? [];
  node.pending = null;
  return runAll(forwards);
}

function isPromiseLike(value: unknown): value is Promise<void> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
