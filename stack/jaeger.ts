/**
 * The stack's trace collector and viewer: Jaeger v2 all-in-one (an OpenTelemetry Collector
 * distribution) with memory storage, OTLP/HTTP and OTLP/gRPC receivers and the query API, all on
 * 127.0.0.1. Opt-in (`npm run stack:up -- --jaeger`): the pipeline traces only when
 * OTEL_EXPORTER_OTLP_ENDPOINT names it.
 *
 * Jaeger ships no package in the registries we can reach, so the first start builds it from its
 * Go module (scripts/observability/jaeger-tool.sh: pinned version, cached in .tools/, minutes cold).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  JAEGER_OTLP_GRPC_PORT,
  JAEGER_OTLP_HTTP_PORT,
  JAEGER_QUERY_GRPC_PORT,
  JAEGER_QUERY_PORT,
  stackConfig,
} from './config.ts';
import { repoRoot, stackDir } from './paths.ts';
import { pidAlive, portOpen, say, startDetached, waitFor } from './process-tools.ts';

const jaegerDir = join(stackDir, 'jaeger');
const pidFile = join(jaegerDir, 'jaeger.pid');
const logFile = join(jaegerDir, 'jaeger.log');
const configFile = join(jaegerDir, 'config.yaml');
const configTemplate = join(repoRoot, 'deploy', 'jaeger', 'config.yaml');
const toolScript = join(repoRoot, 'scripts', 'observability', 'jaeger-tool.sh');
const queryUrl = stackConfig.jaegerQueryUrl;
// A Go binary with in-memory storage: ready in well under a second idle, a few seconds on a busy box.
const READY_TIMEOUT_MS = 60_000;

/** The ports filled into the config template, by the names its `${env:NAME:-default}` use. */
const PORTS: Record<string, number> = {
  STACK_JAEGER_OTLP_GRPC_PORT: JAEGER_OTLP_GRPC_PORT,
  STACK_JAEGER_OTLP_HTTP_PORT: JAEGER_OTLP_HTTP_PORT,
  STACK_JAEGER_QUERY_PORT: JAEGER_QUERY_PORT,
  STACK_JAEGER_QUERY_GRPC_PORT: JAEGER_QUERY_GRPC_PORT,
};

/** True when the query API answers a real call (the service list) and the OTLP/HTTP port is open. */
export async function jaegerReady(url = queryUrl): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/services`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && (await portOpen(JAEGER_OTLP_HTTP_PORT));
  } catch {
    return false;
  }
}

/** The `jaeger` binary, built by the tool script on first use (its progress lines go to our stderr). */
export function jaegerBinary(): string {
  const result = spawnSync('bash', [toolScript], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const binary = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !existsSync(binary))
    throw new Error(`building Jaeger failed (${result.status ?? result.signal}): see the lines above`);
  return binary;
}

/** deploy/jaeger/config.yaml with this stack's ports in place of its `${env:…:-default}` references. */
export function renderJaegerConfig(template: string): string {
  return template.replace(/\$\{env:(\w+):-[^}]*\}/g, (reference, name: string) => {
    const port = PORTS[name];
    if (port === undefined) throw new Error(`${configTemplate}: unknown reference ${reference}`);
    return String(port);
  });
}

function readPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

/** Starts Jaeger unless one answers on the query port; resolves once its API answers. */
export async function startJaeger(): Promise<void> {
  if (await jaegerReady()) {
    say(`Jaeger already running: query ${queryUrl}, OTLP ${stackConfig.otlpEndpoint}`);
    return;
  }
  mkdirSync(jaegerDir, { recursive: true });
  const stale = readPid();
  if (stale) throw new Error(`Jaeger pid ${stale} is alive but does not answer: see ${logFile}`);
  const binary = jaegerBinary();
  writeFileSync(configFile, renderJaegerConfig(readFileSync(configTemplate, 'utf8')));
  const started = Date.now();
  // Low priority like the registry: traces are a side show next to the brokers on two cores.
  const pid = startDetached('nice', ['-n', '5', binary, '--config', configFile], openSync(logFile, 'a'));
  writeFileSync(pidFile, String(pid));
  say(`starting Jaeger (pid ${pid}, config ${configFile}, log ${logFile})…`);
  try {
    await waitFor(
      async () => {
        if (!pidAlive(pid)) throw new Error(`Jaeger exited during start-up: see ${logFile}`);
        return jaegerReady();
      },
      READY_TIMEOUT_MS,
      `Jaeger's query API on ${queryUrl}`,
    );
  } catch (error) {
    stopPid(pid);
    throw error;
  }
  say(
    `Jaeger ready in ${Date.now() - started} ms: query API ${queryUrl}/api/traces, ` +
      `OTLP/HTTP ${stackConfig.otlpEndpoint}, OTLP/gRPC 127.0.0.1:${JAEGER_OTLP_GRPC_PORT}`,
  );
}

function stopPid(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export async function stopJaeger(): Promise<void> {
  const pid = readPid();
  if (!pid) {
    say('Jaeger not running');
    return;
  }
  stopPid(pid);
  // The collector drains its pipeline and exits within a second or two; stuck after 10 s.
  try {
    await waitFor(async () => !pidAlive(pid), 10_000, `Jaeger pid ${pid} to exit`);
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  say('Jaeger stopped (its traces were in memory and are gone)');
}

export async function jaegerStatus(): Promise<{ up: boolean; pid: number | undefined; url: string }> {
  return { up: await jaegerReady(), pid: readPid(), url: queryUrl };
}

/** For tests and scripts: starts Jaeger when nothing answers; returns where to send and query traces. */
export async function ensureJaeger(): Promise<{ otlpEndpoint: string; queryUrl: string }> {
  if (!(await jaegerReady())) await startJaeger();
  return { otlpEndpoint: stackConfig.otlpEndpoint, queryUrl };
}
