/**
 * Runs one aggregation processor over one real store, without a topology or a task: the bench
 * times single `process` calls this way, and the equivalence test feeds the old and the ported
 * operators the same records. Stream time is the highest timestamp processed, as a task keeps it.
 */
import type { StateStore, StoreBuilder } from '../../state-stores/state-store.ts';
import type { Change } from '../../topology/internals/change.ts';
import type { ProcessorContext, ProcessorSupplier, Processor } from '../../topology/processor.ts';
import { StreamRecord } from '../../engine-common/record.ts';

export interface Emitted<KOut, VA> {
  readonly key: KOut;
  readonly change: Change<VA>;
  readonly timestamp: number;
}

export class ProcessorHarness<K, V, KOut, VA> {
  /** What the processor forwarded, when `collect` is on; otherwise only counted. */
  readonly emitted: Emitted<KOut, VA>[] = [];
  forwarded = 0;
  changelogRecords = 0;
  private readonly store: StateStore;
  private readonly processor: Processor<K, V, KOut, Change<VA>>;
  private readonly collect: boolean;
  private streamTime = -1;
  private offset = 0n;

  private constructor(store: StateStore, processor: Processor<K, V, KOut, Change<VA>>, collect: boolean) {
    this.store = store;
    this.processor = processor;
    this.collect = collect;
  }

  static async start<K, V, KOut, VA>(options: {
    store: StoreBuilder;
    processor: ProcessorSupplier<K, V, KOut, Change<VA>>;
    stateDir: string;
    collect: boolean;
  }): Promise<ProcessorHarness<K, V, KOut, VA>> {
    const store = options.store.build();
    const harness = new ProcessorHarness(store, options.processor(), options.collect);
    await store.init({
      applicationId: 'bench',
      taskId: '0_0',
      stateDir: options.stateDir,
      changelog: options.store.loggingEnabled
        ? { topic: `bench-${store.name}-changelog`, partition: 0 }
        : null,
      logChange: () => void harness.changelogRecords++,
    });
    await harness.processor.init?.(harness.context(store));
    return harness;
  }

  async process(key: K, value: V, timestamp: number): Promise<void> {
    if (timestamp > this.streamTime) this.streamTime = timestamp;
    await this.processor.process(new StreamRecord(key, value, timestamp));
  }

  /** Makes the open transaction's writes durable, as the task does after each Kafka commit. */
  async commit(): Promise<void> {
    await this.store.flush();
    this.offset += 1n;
    await this.store.commit(this.offset);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private context(store: StateStore): ProcessorContext<KOut, Change<VA>> {
    return {
      applicationId: 'bench',
      taskId: { subtopology: 0, partition: 0 },
      forward: (record) => {
        this.forwarded++;
        if (this.collect)
          this.emitted.push({ key: record.key, change: record.value, timestamp: record.timestamp });
      },
      getStateStore: <S extends StateStore>(name: string): S => {
        if (name !== store.name) throw new Error(`no store ${name} in this harness`);
        return store as S;
      },
      schedule: () => {
        throw new Error('the harness does not punctuate');
      },
      recordMetadata: () => null,
      currentStreamTimeMs: () => this.streamTime,
      currentSystemTimeMs: () => Date.now(),
    };
  }
}
