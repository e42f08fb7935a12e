/**
 * The Kafka Streams (Java) peer of the saga's reservation half, for benchmarks: builds the fat jar
 * when its sources changed and runs it as a child process. See README.md beside this file.
 *
 *   node bench/peers/kafka-streams/peer.ts --help
 *   node bench/peers/kafka-streams/peer.ts --build
 *   node bench/peers/kafka-streams/peer.ts --run --prefix X [--application-id ks-peer] [...]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PEER_DIR = dirname(fileURLToPath(import.meta.url));
export const JAR_PATH = join(PEER_DIR, 'target', 'reservation-peer.jar');
const REPO_ROOT = resolve(PEER_DIR, '..', '..', '..');
export const LOG_DIR = join(REPO_ROOT, 'bench', 'results', 'logs');

const READY_LINE = 'PEER READY';
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const TAIL_LINES = 40;

const log = (line: string): void => {
  process.stderr.write(`[ks-peer] ${line}\n`);
};

export interface PeerOptions {
  bootstrap: string;
  applicationId: string;
  prefix: string;
  commitIntervalMs?: number;
  threads?: number;
  stateDir?: string;
  partitions?: number;
  /** exactly_once_v2 (default) or at_least_once. */
  processingGuarantee?: 'exactly_once_v2' | 'at_least_once';
  /** Also emit the CREATED status per order, as the TypeScript saga does. */
  emitCreated?: boolean;
  /** Extra Kafka Streams / client properties (`--config KEY=VALUE`). */
  config?: Record<string, string>;
  /** JVM heap, `-Xmx` value (default 512m). */
  heap?: string;
}

export interface RunningPeer {
  stop(): Promise<void>;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (null if killed by a signal) when the process ends, for any reason. */
  exited: Promise<number | null>;
}

/** Newest modification time (ms) of pom.xml and everything under src/. */
function newestSourceMtime(): number {
  let newest = statSync(join(PEER_DIR, 'pom.xml')).mtimeMs;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(PEER_DIR, 'src'));
  return newest;
}

/** Runs `mvn -q -DskipTests package` if the jar is missing or older than a source; returns its path. */
export async function buildPeer(): Promise<string> {
  if (existsSync(JAR_PATH) && statSync(JAR_PATH).mtimeMs >= newestSourceMtime()) {
    log(`jar up to date: ${JAR_PATH}`);
    return JAR_PATH;
  }
  log(`building ${JAR_PATH} (mvn -q -DskipTests package)…`);
  const started = Date.now();
  const child = spawn('mvn', ['-q', '-DskipTests', 'package'], {
    cwd: PEER_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const code = await new Promise<number>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolvePromise(exitCode ?? 1));
  });
  if (code !== 0 || !existsSync(JAR_PATH)) {
    throw new Error(`mvn package failed (exit ${code}):\n${output.trim().split('\n').slice(-40).join('\n')}`);
  }
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return JAR_PATH;
}

function peerArgs(options: PeerOptions): string[] {
  const args = [
    '--bootstrap',
    options.bootstrap,
    '--application-id',
    options.applicationId,
    `--prefix=${options.prefix}`,
  ];
  if (options.commitIntervalMs !== undefined)
    args.push('--commit-interval-ms', String(options.commitIntervalMs));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  if (options.stateDir !== undefined) args.push('--state-dir', options.stateDir);
  if (options.partitions !== undefined) args.push('--partitions', String(options.partitions));
  if (options.processingGuarantee !== undefined)
    args.push('--processing-guarantee', options.processingGuarantee);
  if (options.emitCreated) args.push('--emit-created');
  for (const [key, value] of Object.entries(options.config ?? {})) args.push('--config', `${key}=${value}`);
  return args;
}

/** Children still running, killed if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
}

/**
 * Starts the peer (`java -Xmx512m -jar …`); resolves once it prints `PEER READY`, rejects with
 * its last stderr lines if it exits first or 120 s pass. Its output goes to
 * bench/results/logs/ks-peer-<applicationId>.log.
 */
export async function startPeer(options: PeerOptions): Promise<RunningPeer> {
  const jar = await buildPeer();
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `ks-peer-${options.applicationId.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
  const logStream = createWriteStream(logFile, { flags: 'a' });
  const args = [`-Xmx${options.heap ?? '512m'}`, '-jar', jar, ...peerArgs(options)];
  logStream.write(`\n=== ${new Date().toISOString()} java ${args.join(' ')}\n`);
  const child = spawn('java', args, { cwd: PEER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);

  const tail: string[] = [];
  let stderrRest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    logStream.write(chunk);
    const lines = (stderrRest + chunk.toString()).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  });
  const lastLines = (): string => [...tail, stderrRest].filter((l) => l !== '').join('\n');

  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  const exitPromise = new Promise<void>((resolvePromise) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      resolvePromise();
    });
  });
  // The log closes only once both pipes are drained (after 'exit', output may still arrive).
  const closed = new Promise<void>((resolvePromise) => {
    child.once('close', () => {
      logStream.write(`=== exited (code ${exitCode}, signal ${exitSignal})\n`);
      logStream.end(() => resolvePromise());
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    let stdoutRest = '';
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolvePromise();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(
        new Error(`ks-peer not ready within ${READY_TIMEOUT_MS / 1000} s (log ${logFile}):\n${lastLines()}`),
      );
    }, READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      logStream.write(chunk);
      const lines = (stdoutRest + chunk.toString()).split('\n');
      stdoutRest = lines.pop() ?? '';
      if (lines.some((line) => line.trim() === READY_LINE)) settle();
    });
    child.once('error', (error) => settle(error));
    void exitPromise.then(() =>
      settle(
        new Error(
          `ks-peer exited before ready (code ${exitCode}, signal ${exitSignal}; log ${logFile}):\n${lastLines()}`,
        ),
      ),
    );
  });

  const pid = child.pid as number;
  log(`ready (pid ${pid}), log ${logFile}`);
  return {
    pid,
    logFile,
    exited: exitPromise.then(() => exitCode),
    async stop(): Promise<void> {
      if (!exited) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => {
          log(`pid ${pid} still running ${STOP_GRACE_MS / 1000} s after SIGTERM: SIGKILL`);
          child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        await exitPromise;
        clearTimeout(killer);
      }
      await closed;
      log(`stopped (pid ${pid}, code ${exitCode}, signal ${exitSignal})`);
    },
  };
}

const HELP = `Usage: node bench/peers/kafka-streams/peer.ts --build
       node bench/peers/kafka-streams/peer.ts --run --prefix P [flags]

  --build                    build target/reservation-peer.jar if missing or stale
  --run                      build if needed, start the peer, wait for PEER READY, stop on Ctrl-C
  --prefix P                 topic prefix (topics P+orders, P+stock, P+order-status)
  --application-id ID        [ks-peer]
  --bootstrap HOST:PORT      [$KAFKA_BOOTSTRAP or 127.0.0.1:19092]
  --commit-interval-ms N     [100]
  --threads N                [1]
  --state-dir DIR            [/tmp/ks-peer-state]
  --partitions N             [3]
  --processing-guarantee G   exactly_once_v2 | at_least_once [exactly_once_v2]
  --emit-created             also emit CREATED statuses (as the TypeScript saga does)

The jar's own flags: java -jar ${JAR_PATH} --help`;

async function cli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      run: { type: 'boolean', default: false },
      prefix: { type: 'string', default: '' },
      'application-id': { type: 'string', default: 'ks-peer' },
      bootstrap: { type: 'string', default: process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
      'commit-interval-ms': { type: 'string' },
      threads: { type: 'string' },
      'state-dir': { type: 'string' },
      partitions: { type: 'string' },
      'processing-guarantee': { type: 'string' },
      'emit-created': { type: 'boolean', default: false },
    },
  });
  if (values.help || (!values.build && !values.run)) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  if (!values.run) {
    process.stdout.write(`${await buildPeer()}\n`);
    return 0;
  }
  const num = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`--${name} expects an integer, got ${value}`);
    return n;
  };
  const guarantee = values['processing-guarantee'];
  if (guarantee !== undefined && guarantee !== 'exactly_once_v2' && guarantee !== 'at_least_once')
    throw new Error(`--processing-guarantee must be exactly_once_v2 or at_least_once, got ${guarantee}`);
  const peer = await startPeer({
    bootstrap: values.bootstrap as string,
    applicationId: values['application-id'] as string,
    prefix: values.prefix as string,
    commitIntervalMs: num('commit-interval-ms', values['commit-interval-ms']),
    threads: num('threads', values.threads),
    stateDir: values['state-dir'],
    partitions: num('partitions', values.partitions),
    processingGuarantee: guarantee,
    emitCreated: values['emit-created'],
  });
  process.stdout.write(`PEER READY pid ${peer.pid}; log ${peer.logFile}; Ctrl-C (SIGINT/SIGTERM) stops it\n`);
  const signalled = await new Promise<boolean>((resolvePromise) => {
    process.once('SIGINT', () => resolvePromise(true));
    process.once('SIGTERM', () => resolvePromise(true));
    void peer.exited.then(() => resolvePromise(false));
  });
  await peer.stop();
  return signalled ? 0 : 1;
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[ks-peer] ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
