import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../runtime/index.ts';
import type { PipelineConfig } from './config.ts';

/** What a stream process tells its parent once it serves (IPC). */
export interface StreamProcessReady {
  readonly type: 'ready';
  readonly httpUrl: string;
}

export interface StreamProcesses {
  /** The HTTP API of each extra process, for queries on partitions they own. */
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/** How long a stream process may take to start (topics exist, restore included). */
const START_TIMEOUT_MS = 120_000;

/**
 * Kafka Streams' `num.stream.threads` for a Node service: one Node event loop uses one core, so
 * the saga's core (order saga + per-SKU inventory, where the work is) runs as N processes, each a
 * member of the same consumer group with its own instance id and transactional id. The group
 * spreads the tasks over them; a query for a partition another process owns is forwarded to it.
 * The extra processes die with this one (their IPC channel closes, even on SIGKILL).
 */
export async function startStreamProcesses(config: PipelineConfig, log: Logger): Promise<StreamProcesses> {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  try {
    for (let index = 1; index < config.streamProcesses; index++) {
      // A known port before it starts: it advertises it to the group as its application server.
      const port = await freePort(config.httpHost);
      const host = config.applicationServer.slice(0, config.applicationServer.lastIndexOf(':'));
      const child = fork(join(import.meta.dirname, 'main.ts'), [], {
        env: {
          ...process.env,
          SERVICES: 'core',
          INSTANCE_ID: `${config.instanceId}-p${index}`,
          HTTP_PORT: String(port),
          APPLICATION_SERVER: `${host}:${port}`,
          STREAM_PROCESSES: '1',
          STREAM_PROCESS_INDEX: String(index),
          // The core calls no third party: dev mode's doubles run once, in this process.
          PIPELINE_MODE: 'production',
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      urls.push(await ready(child, index));
      log.info({ index, pid: child.pid, url: urls.at(-1) }, 'stream process running');
    }
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    throw error;
  }
  return {
    urls,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ready(child: ChildProcess, index: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stream process ${index} did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stream process ${index} exited with ${code} before it was ready`));
    });
    child.on('message', (message: unknown) => {
      const ready = message as StreamProcessReady;
      if (ready?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(ready.httpUrl);
    });
  });
}
