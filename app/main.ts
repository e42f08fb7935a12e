/**
 * The pipeline service: `node app/main.ts` (configured by environment; `--help` lists it).
 */
import { createLogger, startTracing } from '../runtime/index.ts';
import { ConfigError, KafkaClientError } from '../topology/index.ts';
import { pipelineConfigFromEnv, processConfigFromEnv } from './config.ts';
import { helpText } from './config-reference.ts';
import { startPipeline } from './pipeline.ts';
import { StartupError } from './start-checks.ts';
import { describeDevDoubles, devConfig, isDevMode, startDevDoubles, type DevDoubles } from './dev-mode.ts';
import type { PipelineConfig } from './config.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${helpText()}\n`);
  process.exit(0);
}

const log = createLogger('pipeline');
/** Start-up waits out a broker that is briefly away (a restart takes seconds) instead of dying. */
const START_ATTEMPTS = 12;
const START_RETRY_MS = 5000;

async function startWithRetries(
  configure: () => PipelineConfig,
): Promise<Awaited<ReturnType<typeof startPipeline>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPipeline(configure(), log);
    } catch (error) {
      // A refused login or a missing ACL (fatal) answers the same in 5 s: stop with its sentence now.
      const fatal =
        (error instanceof KafkaClientError && error.recovery === 'fatal') ||
        (error instanceof StartupError && !error.retriable);
      if (error instanceof ConfigError || fatal || attempt >= START_ATTEMPTS) throw error;
      if (attempt === 1 && error instanceof StartupError)
        process.stderr.write(
          `${error.message}; retrying for ${((START_ATTEMPTS - 1) * START_RETRY_MS) / 1000} s\n`,
        );
      log.warn({ err: error, attempt, retryInMs: START_RETRY_MS }, 'pipeline start failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
    }
  }
}

// Tracing only when a collector is configured: otherwise no SDK is registered and spans are no-ops.
const { tracingServiceName } = processConfigFromEnv();
const stopTracing =
  tracingServiceName !== null ? startTracing({ serviceName: tracingServiceName }) : async () => undefined;

// `--dev` / PIPELINE_MODE=dev: fake third parties beside the pipeline (dev-mode.ts).
let doubles: DevDoubles | null = null;
try {
  if (isDevMode(process.argv.slice(2), process.env)) {
    doubles = await startDevDoubles();
    for (const line of describeDevDoubles(doubles)) process.stdout.write(`${line}\n`);
    log.info(
      {
        gatewayUrl: doubles.gatewayUrl,
        smtp: doubles.smtp,
        smsUrl: doubles.smsUrl,
        webhookUrl: doubles.webhookUrl,
      },
      'dev mode: fake third parties started',
    );
  }
  const dev = doubles;
  const pipeline = await startWithRetries(() =>
    dev ? devConfig(pipelineConfigFromEnv(), dev) : pipelineConfigFromEnv(),
  );
  if (dev)
    process.stdout.write(
      `  order API         ${pipeline.httpUrl}  (npm run orders -- --url ${pipeline.httpUrl} --help)\n`,
    );
  const stop = (signal: string) => {
    log.info({ signal, ...(dev ? { devDoubles: dev.counts() } : {}) }, 'stopping');
    pipeline
      .stop()
      .then(() => dev?.close())
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A stream process (see stream-processes.ts): say where it serves, and end with its parent.
  if (process.send) {
    process.send({ type: 'ready', httpUrl: pipeline.httpUrl });
    process.once('disconnect', () => stop('parent gone'));
  }
  // Any service failing for good stops the process: the platform restarts it (a pod restart).
  for (const [service, app] of pipeline.apps)
    app.on('error', (error) => {
      log.fatal({ err: error, service }, 'pipeline failed');
      void pipeline.stop().finally(() => process.exit(1));
    });
} catch (error) {
  log.fatal({ err: error }, 'pipeline could not start');
  // The sentence for the person at the terminal (the structured line above may go to a log file).
  const sentence =
    error instanceof StartupError || error instanceof ConfigError || error instanceof KafkaClientError
      ? error.message
      : `${(error as Error).message ?? String(error)} (details in the log)`;
  process.stderr.write(`pipeline could not start: ${sentence}\n`);
  await stopTracing().catch(() => undefined);
  await doubles?.close();
  process.exit(1);
}
