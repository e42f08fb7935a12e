import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PipelineTargetOptions {
  bootstrap: string;
  applicationId: string;
  prefix: string;
  paymentGatewayUrl: string;
  /** `all` (the saga as `npm start` runs it) or a list such as `core`. */
  services: string;
  storeType?: 'rocksDB' | 'in_memory';
  logDir: string;
  /** STREAM_PROCESSES: processes running the saga core (default 1). */
  streamProcesses?: number;
  /** Extra Node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] to profile the run. */
  nodeFlags?: readonly string[];
  /** Extra environment, e.g. SCHEMA_REGISTRY_URL for Avro on the saga's topics. */
  env?: Readonly<Record<string, string>>;
}

export interface RunningTarget {
  readonly pid: number;
  readonly httpUrl: string;
  stop(): Promise<void>;
}

/**
 * Our pipeline as users run it: `node app/main.ts` in its own process, configured by environment,
 * its logs in a file. Resolves once /readyz answers 200 (topics created, stores restored).
 */
export async function startPipelineTarget(options: PipelineTargetOptions): Promise<RunningTarget> {
  const port = 21_000 + Math.floor(Math.random() * 9000);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-state-'));
  mkdirSync(options.logDir, { recursive: true });
  const log = openSync(join(options.logDir, `${options.applicationId}.log`), 'a');
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), join(import.meta.dirname, '../../app/main.ts')],
    {
      env: {
        ...process.env,
        KAFKA_BOOTSTRAP: options.bootstrap,
        APPLICATION_ID: options.applicationId,
        TOPIC_PREFIX: options.prefix,
        STATE_DIR: stateDir,
        STORE_TYPE: options.storeType ?? 'rocksDB',
        HTTP_PORT: String(port),
        PAYMENT_GATEWAY_URL: options.paymentGatewayUrl,
        SERVICES: options.services,
        STREAM_PROCESSES: String(options.streamProcesses ?? 1),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', log, log],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = await fetch(`${httpUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null)
      throw new Error(`the pipeline exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the pipeline was not ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid as number,
    httpUrl,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
