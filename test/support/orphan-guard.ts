import { spawn } from 'node:child_process';

/**
 * A test's own Kafka cluster must not outlive the test process: afterAll stops it, but a jest that
 * is killed (a timeout, a signal) never gets there, and three orphaned JVMs keep their ports and a
 * few GB. This watchdog (a detached shell) waits for our process to end, then kills -9 every live
 * JVM named in a pid file under `kafkaDir` — only if its command line names `kafkaDir`, so a pid
 * reused by another process is left alone. `release()` ends the watchdog once afterAll has stopped
 * the cluster itself.
 */
export function guardAgainstOrphans(kafkaDir: string): { release(): void } {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done`,
    `for f in "$0"/broker.pid "$0"/node-*/broker.pid; do`,
    `  p=$(cat "$f" 2>/dev/null) || continue`,
    `  tr '\\0' ' ' < /proc/"$p"/cmdline 2>/dev/null | grep -qF "$0" && kill -9 "$p"`,
    `done`,
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, kafkaDir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return {
    release() {
      if (watchdog.pid !== undefined && watchdog.exitCode === null) watchdog.kill('SIGKILL');
    },
  };
}
