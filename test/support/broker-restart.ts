import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KafkaAdmin } from '../../runtime/kafka/index.ts';
import { KAFKA_PORT } from '../../stack/config.ts';

/** The pid of the process listening on `port` (the broker), from `ss`. */
function listenerPid(port: number): number {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const match = /pid=(\d+)/.exec(out);
  if (!match) throw new Error(`No process listens on port ${port}`);
  return Number(match[1]);
}

async function brokerAnswers(bootstrap: string): Promise<boolean> {
  const admin = new KafkaAdmin({ clientId: 'restart-probe', bootstrapServers: [bootstrap] });
  try {
    await admin.ping();
    return true;
  } catch {
    return false;
  } finally {
    await admin.close();
  }
}

/**
 * Restarts the real broker in place: SIGTERM (a clean controlled shutdown), wait, then start it
 * again with the exact command line, working directory and environment it had, so it comes back
 * with its own data. Works whoever started it (the stack script here or in CI).
 */
export async function restartBroker(port = KAFKA_PORT): Promise<{ downMs: number }> {
  const pid = listenerPid(port);
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
  const stopped = Date.now();
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      break;
    }
  }
  const log = openSync('/tmp/broker-restart.log', 'a');
  const child = spawn(cmdline[0] as string, cmdline.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  // Keep the stack's pid file true, so `npm run stack:down` still stops the restarted broker.
  const pidFile = join(dirname(cmdline.at(-1) as string), 'broker.pid');
  if (existsSync(pidFile)) writeFileSync(pidFile, String(child.pid));
  const bootstrap = `127.0.0.1:${port}`;
  for (let i = 0; i < 600 && !(await brokerAnswers(bootstrap)); i++)
    await new Promise((r) => setTimeout(r, 100));
  return { downMs: Date.now() - stopped };
}
