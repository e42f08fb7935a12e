import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { sagaTopics } from '../../app/saga-topics.ts';

/** What a chaos test's saga process needs: where Kafka is, its names, its folders and its neighbours. */
export interface SagaProcessOptions {
  bootstrap: string;
  applicationId: string;
  topicPrefix: string;
  stateDir: string;
  httpPort: number;
  paymentGatewayUrl: string;
  /** Every run of the process appends its logs here, named in the report of a failed test. */
  logFile: string;
  /** More environment for the process (e.g. REPLICATION_FACTOR). */
  env?: NodeJS.ProcessEnv;
}

export interface SagaProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** The names of one chaos run: its own application id, topics (behind a prefix) and HTTP port, so reruns never meet old data. */
export function sagaRun(name: string) {
  const run = `${name}${Date.now().toString(36)}`;
  const applicationId = `${run}-saga`;
  const topicPrefix = `${run}-`;
  return {
    run,
    applicationId,
    topicPrefix,
    topics: sagaTopics(applicationId, topicPrefix),
    httpPort: 20_000 + Math.floor(Math.random() * 10_000),
  };
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real service (`node app/main.ts`) as a child process, configured as an operator would: by environment. */
export function startSagaProcess(options: SagaProcessOptions): SagaProcess {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../app/main.ts')], {
    env: {
      ...process.env,
      KAFKA_BOOTSTRAP: options.bootstrap,
      APPLICATION_ID: options.applicationId,
      TOPIC_PREFIX: options.topicPrefix,
      STATE_DIR: options.stateDir,
      HTTP_PORT: String(options.httpPort),
      PAYMENT_GATEWAY_URL: options.paymentGatewayUrl,
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      ...options.env,
    },
    // The pipeline's logs (every run of it) go to one file, named in the report of a failed run.
    stdio: ['ignore', 'ignore', openSync(options.logFile, 'a')],
  });
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

/** The pipeline creates its topics, then starts its services: this waits until it says it is ready. */
export async function waitSagaReady(httpPort: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await pause(100);
  }
  throw new Error('the pipeline did not become ready');
}
