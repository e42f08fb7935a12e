import type { StateStore } from '../../../state-stores/state-store.ts';
import { ProcessingError, TopologyError } from '../../../engine-common/errors.ts';
import type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
  Punctuator,
  TaskId,
} from '../../../topology/processor.ts';
import type { RecordMetadata, StreamRecord } from '../../../engine-common/record.ts';

export type AnyRecord = StreamRecord<unknown, unknown>;

/** What a node's context needs from the task that runs it. */
export interface TaskServices {
  readonly applicationId: string;
  readonly taskId: TaskId;
  store(node: TaskNode, name: string): StateStore;
  schedule(node: TaskNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  recordMetadata(): RecordMetadata | null;
  streamTimeMs(): number;
  systemTimeMs(): number;
}

/**
 * One instantiated node of a task. `pending` collects what the node forwards during one
 * `process()`/punctuator call; it is null between calls, so a forward from a stray callback (after
 * the call resolved) fails loudly instead of slipping in out of order.
 */
export class TaskNode {
  readonly name: string;
  readonly processor: Processor<unknown, unknown, unknown, unknown>;
  readonly storeNames: ReadonlySet<string>;
  readonly children: TaskNode[] = [];
  readonly childByName = new Map<string, TaskNode>();
  pending: [TaskNode, AnyRecord][] | null = null;
  readonly context: ProcessorContext<unknown, unknown>;

  constructor(
    name: string,
    processor: Processor<unknown, unknown, unknown, unknown>,
    storeNames: readonly string[],
    services: TaskServices,
  ) {
    this.name = name;
    this.processor = processor;
    this.storeNames = new Set(storeNames);
    this.context = new NodeContext(this, services);
  }

  addChild(child: TaskNode): void {
    this.children.push(child);
    this.childByName.set(child.name, child);
  }
}

class NodeContext implements ProcessorContext<unknown, unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  private readonly node: TaskNode;
  private readonly services: TaskServices;

  constructor(node: TaskNode, services: TaskServices) {
    this.node = node;
    this.services = services;
    this.applicationId = services.applicationId;
    this.taskId = services.taskId;
  }

  forward(record: AnyRecord, childName?: string): void {
    const pending = this.node.pending;
    if (pending === null) {
      throw new ProcessingError(
        `${this.node.name} forwarded a record outside process()/a punctuator (await your async work before returning)`,
      );
    }
    if (childName !== undefined) {
      const child = this.node.childByName.get(childName);
      if (!child) {
        throw new TopologyError(
          `${this.node.name} forwarded to unknown child ${childName}; children: [${[...this.node.childByName.keys()].join(', ')}]`,
        );
      }
      pending.push([child, record]);
      return;
    }
    for (const child of this.node.children) pending.push([child, record]);
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S {
    return this.services.store(this.node, name) as S;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.services.schedule(this.node, intervalMs, type, punctuator);
  }

  recordMetadata(): RecordMetadata | null {
    return this.services.recordMetadata();
  }

  currentStreamTimeMs(): number {
    return this.services.streamTimeMs();
  }

  currentSystemTimeMs(): number {
    return this.services.systemTimeMs();
  }
}
