import { spawnSync } from 'node:child_process';

/**
 * GET `url` synchronously, for the one place that cannot await: a deserializer meeting a schema
 * id it has not seen (serdes are synchronous). Confluent's Java deserializer blocks on the
 * registry in the same case. A child Node process does the request, so this costs ~50–100 ms,
 * once per new id. Returns the body of a 2xx answer, `undefined` for 404, throws otherwise.
 */
export function getSync(url: string, timeoutMs: number): string | undefined {
  const script = `
    try {
      const response = await fetch(process.argv[1], { signal: AbortSignal.timeout(${timeoutMs}) });
      const body = await response.text();
      process.stdout.write(response.ok ? body : 'HTTP ' + response.status + ' ' + body);
      process.exitCode = response.ok ? 0 : response.status === 404 ? 4 : 5;
    } catch (error) {
      process.stdout.write(error.cause?.message ?? error.message);
      process.exitCode = 5;
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, url], {
    encoding: 'utf8',
    // The child's own timeout aborts the request; this bounds a child that hangs anyway.
    timeout: timeoutMs + 5_000,
  });
  if (result.status === 0) return result.stdout;
  if (result.status === 4) return undefined;
  const why =
    result.error?.message ?? (result.stdout || result.stderr.trim().split('\n').at(-1) || result.signal);
  throw new Error(`GET ${url} failed: ${why}`);
}
