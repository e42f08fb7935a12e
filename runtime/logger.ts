import { pino, destination, multistream, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** One file destination per process, shared by every logger (LOG_FILE). */
let fileDestination: { path: string; stream: DestinationStream } | null = null;

/**
 * Structured JSON logs on stderr (stdout stays free for command output). The level comes from
 * LOG_LEVEL (default `info`; tests default to `warn` to keep their output readable). With LOG_FILE
 * set (a human-facing command such as the demo), every log line goes to that file and only errors
 * reach the terminal.
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info');
  const options = { name, level, base: { pid: process.pid, ...bindings } };
  const file = process.env.LOG_FILE;
  if (!file) return pino(options, destination(2));
  if (fileDestination?.path !== file)
    fileDestination = { path: file, stream: destination({ dest: file, mkdir: true, sync: true }) };
  return pino(
    options,
    multistream([
      { level, stream: fileDestination.stream },
      { level: 'error', stream: destination(2) },
    ]),
  );
}
