import { EventEmitter } from 'node:events';
import { TopologyError, type Serde, type Topology } from '../topology/index.ts';
import type { KeyValue, KeyValueStore } from '../state-stores/state-store.ts';
import { resolveStreamsConfig, type StreamsConfig, type StreamsConfigInput } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { StreamsMetrics } from './metrics/streams-metrics.ts';
import { CommitBuffer } from './internals/commit-buffer.ts';
import { Committer } from './internals/committer.ts';
import { prepareTopics } from './internals/internal-topics.ts';
import {
  createGlobalKafkaPorts,
  createKafkaPorts,
  type GlobalKafkaPorts,
} from './internals/kafka-binding.ts';
import { GlobalStateMaintainer } from './internals/global-state.ts';
import { StandbyTasks } from './internals/standby-tasks.ts';
import type { KafkaPorts } from './ports/ports.ts';
import { StreamThread } from './internals/stream-thread.ts';
import { TaskManager } from './internals/task-manager.ts';
import {
  StreamsMetadataCache,
  type KeyQueryMetadata,
  type StreamsMetadata,
} from './internals/streams-metadata.ts';

export type StreamsState = 'CREATED' | 'STARTING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR';

export interface StreamsAppOptions {
  metrics?: StreamsMetrics;
  logger?: Logger;
}

/**
 * Runs a topology on Kafka: Kafka Streams' `KafkaStreams`. Creates the internal topics, joins the
 * consumer group named after `applicationId`, runs one task per partition of each sub-topology with
 * exactly-once commits, restores state from changelogs, and stops cleanly.
 *
 * @example
 * const app = new StreamsApp(builder.build(), { applicationId: 'counts', bootstrapServers: ['127.0.0.1:19092'] });
 * await app.start();
 * process.once('SIGTERM', () => void app.close());
 */
export class StreamsApp extends EventEmitter<{ state: [StreamsState, StreamsState]; error: [Error] }> {
  readonly config: StreamsConfig;
  readonly metrics: StreamsMetrics;
  private readonly topology: Topology;
  private readonly log: Logger;
  private currentState: StreamsState = 'CREATED';
  private ports: KafkaPorts | null = null;
  private tasks: TaskManager | null = null;
  private thread: StreamThread | null = null;
  private global: GlobalStateMaintainer | null = null;
  private globalPorts: GlobalKafkaPorts | null = null;
  private globalClosing: Promise<void> | null = null;
  private taskCounts = new Map<number, number>();
  private closing: Promise<void> | null = null;
  private metadata: StreamsMetadataCache | null = null;

  constructor(topology: Topology, config: StreamsConfigInput, options: StreamsAppOptions = {}) {
    super();
    this.topology = topology;
    this.config = resolveStreamsConfig(config);
    this.metrics = options.metrics ?? new StreamsMetrics(this.config.applicationId);
    this.metrics.recordState(this.currentState);
    this.log =
      options.logger ??
      createLogger('streams', { app: this.config.applicationId, instance: this.config.instanceId });
  }

  get state(): StreamsState {
    return this.currentState;
  }

  /** Running, and no task is still restoring: what a readiness probe should report. */
  isReady(): boolean {
    return this.currentState === 'RUNNING' && !(this.thread?.isRestoring() ?? true);
  }

  async start(): Promise<void> {
    if (this.currentState !== 'CREATED')
      throw new TopologyError(`start() called in state ${this.currentState}`);
    this.setState('STARTING');
    const ports = await createKafkaPorts(this.config, this.log, {
      writtenTopics: () => this.writtenTopics(),
      localState: () => this.tasks?.localStatePartitions() ?? [],
    });
    this.ports = ports;
    this.metadata = new StreamsMetadataCache(ports.admin, this.config.applicationId);
    try {
      const counts = await prepareTopics(this.topology, this.config, ports.admin, this.log);
      this.taskCounts = new Map(counts.tasks);
      // Global stores are complete before any stream task runs: a join must never miss a row
      // only because the table was still loading (Kafka Streams bootstraps them the same way).
      const global = await this.startGlobalStores(ports);
      const buffer = new CommitBuffer(this.config.deadLetterTopic);
      const tasks = new TaskManager({
        topology: this.topology,
        config: this.config,
        outputs: buffer,
        ports,
        metrics: this.metrics,
        log: this.log,
        ...(global ? { globalStores: global.stores } : {}),
      });
      const standbys = new StandbyTasks({
        config: this.config,
        topology: this.topology,
        taskCounts: this.taskCounts,
        ports,
        metrics: this.metrics,
        log: this.log,
        createProcessor: (id, name) => tasks.createProcessor(id, name),
        isActive: (name) => tasks.isActive(name),
      });
      tasks.standbys = standbys;
      const committer = new Committer({
        buffer,
        tasks,
        ports,
        config: this.config,
        metrics: this.metrics,
        log: this.log,
        knownPartitionCounts: counts.topics,
      });
      const internal = new Set(this.topology.internalTopics(this.config.applicationId).map((t) => t.name));
      const sinks = this.topology
        .subtopologies(this.config.applicationId)
        .flatMap((s) => s.sinkTopics)
        .filter((t) => !internal.has(t));
      await committer.checkOutputTopics([...new Set(sinks)]);
      const thread = new StreamThread({
        tasks,
        standbys,
        committer,
        buffer,
        ports,
        config: this.config,
        metrics: this.metrics,
        log: this.log,
      });
      thread.onFatal = (error) => {
        this.setState('ERROR');
        this.emit('error', error);
      };
      this.tasks = tasks;
      this.thread = thread;
      await thread.start([...new Set(this.topology.sourceTopics(this.config.applicationId))]);
      this.setState('RUNNING');
    } catch (error) {
      this.setState('ERROR');
      await this.closeGlobalStores();
      await ports.close().catch(() => undefined);
      throw error;
    }
  }

  /** Bootstraps the global stores, if the topology has any, and keeps them current from then on. */
  private async startGlobalStores(ports: KafkaPorts): Promise<GlobalStateMaintainer | null> {
    if (this.topology.globalSourceTopics().length === 0) return null;
    this.globalPorts = createGlobalKafkaPorts(this.config);
    const global = new GlobalStateMaintainer({
      topology: this.topology,
      config: this.config,
      ports: { ...this.globalPorts, admin: ports.admin, partitionFor: ports.partitionFor },
      metrics: this.metrics,
      log: this.log,
    });
    global.onFatal = (error) => {
      this.setState('ERROR');
      this.emit('error', error);
    };
    this.global = global;
    await global.start();
    return global;
  }

  private closeGlobalStores(): Promise<void> {
    this.globalClosing ??= this.doCloseGlobalStores();
    return this.globalClosing;
  }

  private async doCloseGlobalStores(): Promise<void> {
    try {
      await this.global?.close();
    } catch (error) {
      this.log.warn({ err: error }, 'closing the global stores failed');
    }
    await this.globalPorts?.close();
  }

  /** Finishes in-flight work, commits, closes the stores and leaves the group. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** Closes on SIGTERM/SIGINT, then lets the process exit (code 0 unless the app had failed). */
  installShutdownHooks(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.log.info({ signal }, 'shutting down');
      void this.close().then(() => process.exit(this.currentState === 'ERROR' ? 1 : 0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  /**
   * Interactive query on a key-value store: reads the local task that owns `key`'s partition.
   * Returns undefined when the key is absent or its partition is not owned by this instance.
   */
  async queryKeyValue<K, V>(storeName: string, key: K, keySerde: Serde<K>): Promise<V | undefined> {
    // Every instance holds the whole of a global store.
    const global = this.global?.stores.get(storeName) as KeyValueStore<K, V> | undefined;
    if (global) return global.get(key);
    const tasks = this.requireTasks();
    const partitions = this.partitionsOfStore(storeName);
    const partition = this.requirePorts().partitionFor(keySerde.serialize(storeName, key), partitions);
    const store = tasks.localStore(storeName, partition) as KeyValueStore<K, V> | undefined;
    return store?.get(key);
  }

  /**
   * Where `key` of `storeName` lives: its partition and the instance that owns it (Kafka Streams'
   * `queryMetadataForKey`). With `local`, this instance serves it now. Instances advertise their
   * `applicationServer`; a key owned elsewhere is fetched from there by the caller.
   */
  async queryMetadataForKey<K>(
    storeName: string,
    key: K,
    keySerde: Serde<K>,
  ): Promise<KeyQueryMetadata & { local: boolean }> {
    // A global store is whole on every instance: this one answers.
    if (this.global?.stores.has(storeName))
      return { partition: 0, activeHost: this.config.applicationServer, local: true };
    const sub = this.subtopologyOfStore(storeName);
    const partitions = this.taskCounts.get(sub.id) ?? 1;
    const partition = this.requirePorts().partitionFor(keySerde.serialize(storeName, key), partitions);
    const tasks = this.requireTasks();
    const local = tasks.localStore(storeName, partition) !== undefined;
    const cache = this.metadata as StreamsMetadataCache;
    if (local) return { partition, activeHost: this.config.applicationServer, local };
    // Ours but still restoring: nobody can answer yet (forwarding to ourselves would say "absent").
    if (tasks.restoringStore(storeName, partition)) return { partition, activeHost: null, local };
    const owner = await cache.ownerOf(sub.sourceTopics, partition);
    if (owner.activeHost !== null && owner.activeHost === this.config.applicationServer)
      return { partition, activeHost: null, local };
    return { ...owner, local };
  }

  /**
   * Whether this instance owns the partition of `key` in `storeName` but its task is still
   * restoring: a local read must then not say "absent" (the owner cannot answer yet).
   */
  isRestoring<K>(storeName: string, key: K, keySerde: Serde<K>): boolean {
    // Global stores are bootstrapped before the app runs.
    if (this.global?.stores.has(storeName)) return false;
    const sub = this.subtopologyOfStore(storeName);
    const partitions = this.taskCounts.get(sub.id) ?? 1;
    const partition = this.requirePorts().partitionFor(keySerde.serialize(storeName, key), partitions);
    return this.requireTasks().restoringStore(storeName, partition);
  }

  /** Every instance of this application with its partitions (Kafka Streams' `metadataForAllStreamsClients`). */
  async allMetadata(): Promise<StreamsMetadata[]> {
    this.requirePorts();
    return (this.metadata as StreamsMetadataCache).all();
  }

  /** Every entry of a store across the tasks this instance owns. */
  async queryAll<K, V>(storeName: string): Promise<KeyValue<K, V>[]> {
    const global = this.global?.stores.get(storeName) as KeyValueStore<K, V> | undefined;
    if (global) return global.all();
    const stores = this.requireTasks().localStores(storeName) as KeyValueStore<K, V>[];
    const parts = await Promise.all(stores.map((s) => s.all()));
    return parts.flat();
  }

  /** Every topic this app's transactions write to. */
  private writtenTopics(): string[] {
    const id = this.config.applicationId;
    return [
      ...new Set([
        ...this.topology.subtopologies(id).flatMap((s) => s.sinkTopics),
        ...this.topology.internalTopics(id).map((t) => t.name),
        this.config.deadLetterTopic,
      ]),
    ];
  }

  private partitionsOfStore(storeName: string): number {
    return this.taskCounts.get(this.subtopologyOfStore(storeName).id) ?? 1;
  }

  private subtopologyOfStore(storeName: string): { id: number; sourceTopics: readonly string[] } {
    const sub = this.topology
      .subtopologies(this.config.applicationId)
      .find((s) => s.stores.some((st) => st.name === storeName));
    if (!sub) throw new TopologyError(`No store named ${storeName} in the topology`);
    return sub;
  }

  private async doClose(): Promise<void> {
    if (this.currentState === 'CREATED') {
      this.setState('NOT_RUNNING');
      return;
    }
    const failed = this.currentState === 'ERROR';
    this.setState('PENDING_SHUTDOWN');
    try {
      await this.thread?.stop();
    } finally {
      // After the stream tasks: their joins read the global stores.
      await this.closeGlobalStores();
      await this.ports
        ?.close()
        .catch((error: unknown) => this.log.warn({ err: error }, 'closing Kafka clients failed'));
      this.setState(failed ? 'ERROR' : 'NOT_RUNNING');
    }
  }

  private setState(next: StreamsState): void {
    const previous = this.currentState;
    if (previous === next) return;
    this.currentState = next;
    this.metrics.recordState(next);
    this.log.info({ from: previous, to: next }, 'state change');
    this.emit('state', next, previous);
  }

  private requireTasks(): TaskManager {
    if (!this.tasks) throw new TopologyError('The app is not started');
    return this.tasks;
  }

  private requirePorts(): KafkaPorts {
    if (!this.ports) throw new TopologyError('The app is not started');
    return this.ports;
  }
}
