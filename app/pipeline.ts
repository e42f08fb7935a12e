import { ConfigError } from '../topology/index.ts';
import { createEventSerdes, registryFromEnvironment, type EventSerdes } from '../schemas/index.ts';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { KafkaClient, StreamsApp, StreamsMetrics, type Logger } from '../runtime/index.ts';
import type { PipelineConfig } from './config.ts';
import { buildHttpApi } from './http-api.ts';
import { backoff, notifierPort, paymentPort, readModelPort } from './ports-wiring.ts';
import { checkPortFree, checkStateDir, databaseFailure, kafkaUnreachable } from './start-checks.ts';
import { sagaMetrics } from './saga-metrics.ts';
import { serviceTopics } from './saga-acls.ts';
import { durability, sagaTopics, topicsToCreate } from './saga-topics.ts';
import { startStreamProcesses } from './stream-processes.ts';
import { ALL_SAGA_PARTS, buildSagaTopology, type SagaPart } from './saga-topology.ts';

/**
 * The saga's fixed timings, with their reasons:
 * - expiry checked every 500 ms: a reservation timeout is tens of seconds, so half a second late
 *   is nothing, and the check (a range scan of the expiry index) stays cheap;
 * - retries looked for every 50 ms: backoffs start at 100 ms, so a retry is at most half its
 *   first backoff late;
 * - 4 delivery attempts for a notification (≈ 0.1 + 0.2 + 0.4 s of backoff, full jitter): a
 *   notification is not worth holding longer than a payment, whose attempts are PAYMENT_MAX_ATTEMPTS.
 */
export const SAGA_TIMING = {
  expiryCheckIntervalMs: 500,
  retryCheckIntervalMs: 50,
  notificationMaxAttempts: 4,
} as const;

export interface RunningPipeline {
  /** The order saga and inventory (its stores answer the order API); null when SERVICES leaves it out. */
  app: StreamsApp | null;
  /** Every service of the saga, each its own StreamsApp. */
  apps: ReadonlyMap<SagaPart, StreamsApp>;
  kafka: KafkaClient;
  /** The event serdes it runs with (JSON or Avro per OUTPUT_FORMAT), to read its outputs. */
  serdes: EventSerdes;
  httpUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the pipeline service: topics, the saga topology on a StreamsApp (exactly-once), the read
 * model, and the HTTP API. Input topics that already exist must have `config.partitions` partitions,
 * because orders, stock and the saga's loop topics are co-partitioned.
 */
export async function startPipeline(config: PipelineConfig, log: Logger): Promise<RunningPipeline> {
  const started: { close(): Promise<void> }[] = [];
  try {
    return await startPipelineParts(config, log, started);
  } catch (error) {
    // A failed start leaves nothing running behind it (clients, apps, pools), so it can be retried.
    for (const resource of started.reverse()) await resource.close().catch(() => undefined);
    throw error;
  }
}

async function startPipelineParts(
  config: PipelineConfig,
  log: Logger,
  started: { close(): Promise<void> }[],
): Promise<RunningPipeline> {
  const topics = sagaTopics(config.applicationId, config.topicPrefix);
  // What can be checked without Kafka first, each failure one sentence naming its setting.
  checkStateDir(config.stateDir);
  await checkPortFree(config.httpHost, config.httpPort);
  const readModel = await readModelPort(config).catch((error: unknown) => {
    throw databaseFailure(config.databaseUrl ?? '', error);
  });
  if (readModel) started.push(readModel);
  const kafka = await KafkaClient.connect({
    bootstrapServers: config.bootstrapServers,
    clientId: `${config.applicationId}-${config.instanceId}-admin`,
    security: config.security,
  });
  started.push(kafka);
  // The client connects lazily: the first request says whether the brokers answer at all.
  await kafka.partitionCount(topics.orders).catch((error: unknown) => {
    throw kafkaUnreachable(config.bootstrapServers, error) ?? error;
  });
  // Only the topics the services run here use: a service's principal may create (and see) its
  // own topics and no others (saga-acls.ts), and the inputs' partition counts matter to the core.
  const used = new Set(
    config.services.flatMap((part) => {
      const { reads, writes } = serviceTopics(part, topics);
      return [...reads, ...writes];
    }),
  );
  for (const input of config.services.includes('core') ? [topics.orders, topics.stock] : []) {
    const count = await kafka.partitionCount(input);
    if (count !== undefined && count !== config.partitions) {
      throw new ConfigError(
        'PARTITIONS',
        config.partitions,
        `the partition count of existing input topic ${input} (${count}): the saga's topics are co-partitioned`,
      );
    }
  }
  await kafka.createTopics(
    topicsToCreate(topics, config.replicationFactor)
      .filter((t) => used.has(t.name))
      .map((t) => ({ ...t, partitions: config.partitions })),
  );
  await kafka.createTopics([
    { name: topics.deadLetter, partitions: 1, ...durability(config.replicationFactor) },
  ]);

  if (config.services.includes('payment')) await warnIfGatewayAway(config.paymentGatewayUrl, log);
  const serdes = await createEventSerdes({
    outputFormat: config.outputFormat,
    registry: registryFromEnvironment(),
  });
  // One exposition per process (/metrics): the process's own metrics once, the saga's business
  // metrics once (counted by whichever service decides), and each service's engine metrics.
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  const sagaRegistry = new Registry();
  sagaRegistry.setDefaultLabels({ application_id: config.applicationId });
  const ports = {
    payment: paymentPort(config),
    notifier: notifierPort(config),
    backoff,
    metrics: sagaMetrics(sagaRegistry),
    ...(readModel ? { readModel: readModel.port } : {}),
  };
  const topologyConfig = {
    topics,
    serdes,
    storeType: config.storeType,
    reservationTimeoutMs: config.reservationTimeoutMs,
    paymentMaxAttempts: config.paymentMaxAttempts,
    notifyOn: config.notifyOn,
    outboundCalls: {
      maxInFlight: config.outboundMaxInFlight,
      completionCheckIntervalMs: config.outboundCheckIntervalMs,
    },
    ...SAGA_TIMING,
  };
  // One StreamsApp per service: a slow SMTP server or database never holds up the saga's commits.
  const apps = new Map<SagaPart, StreamsApp>();
  for (const part of ALL_SAGA_PARTS) {
    if (!config.services.includes(part)) continue;
    if (part === 'read-model' && !readModel) continue;
    const applicationId = part === 'core' ? config.applicationId : `${config.applicationId}-${part}`;
    const app = new StreamsApp(
      buildSagaTopology(topologyConfig, ports, [part]),
      {
        applicationId,
        bootstrapServers: config.bootstrapServers,
        security: config.security,
        instanceId: config.instanceId,
        stateDir: config.stateDir,
        internalTopicReplicationFactor: config.replicationFactor,
        deadLetterTopic: topics.deadLetter,
        applicationServer: config.applicationServer,
        storeCacheMaxBytes: config.storeCacheMaxBytes,
        numStandbyReplicas: config.numStandbyReplicas,
      },
      {
        metrics: new StreamsMetrics(applicationId, { labels: { service: part } }),
        logger: log.child({ service: part }),
      },
    );
    apps.set(part, app);
    started.push(app);
  }
  await Promise.all([...apps.values()].map((app) => app.start()));
  const app = apps.get('core') ?? null;
  const siblings = await startStreamProcesses(config, log);
  started.push({ close: () => siblings.stop() });
  const server = buildHttpApi({
    app,
    apps,
    kafka,
    ordersTopic: topics.orders,
    registries: [processRegistry, sagaRegistry],
    siblings: siblings.urls,
    apiKey: config.orderApiKey,
  });
  const httpUrl = await server.listen({ host: config.httpHost, port: config.httpPort });
  log.info({ httpUrl, topics: Object.values(topics) }, 'pipeline running');
  return {
    app,
    apps,
    kafka,
    serdes,
    httpUrl,
    async stop() {
      await server.close();
      await Promise.all([...apps.values()].map((a) => a.close()));
      await siblings.stop();
      await kafka.close();
      await readModel?.close();
    },
  };
}

/**
 * A gateway that does not answer makes every charge fail and every order end CANCELLED, which
 * reads like a bug in the saga: say so once, at start, with what to do.
 */
async function warnIfGatewayAway(url: string, log: Logger): Promise<void> {
  const answered = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
  if (!answered)
    log.warn(
      { paymentGatewayUrl: url },
      `the payment gateway at ${url} does not answer: every charge will fail and orders will end ` +
        'CANCELLED. Set PAYMENT_GATEWAY_URL to your gateway (npm run demo starts a fake one)',
    );
}
