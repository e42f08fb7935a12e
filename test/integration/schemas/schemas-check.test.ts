/**
 * npm run schemas:check against the real registry: a schema folder registered as v1 (--register),
 * then a v2 with a new required field is refused with the registry's reason (exit 1), and a v2
 * with a default passes.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureRegistry } from '../../../stack/registry.ts';

const CLI = resolve(import.meta.dirname, '../../../scripts/schemas-check.ts');
let url: string;

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
let dir: string;
let eventDir: string;
let subject: string;

beforeAll(async () => {
  url = await ensureRegistry();
  dir = mkdtempSync(join(tmpdir(), 'schemas-check-'));
  // An event of its own per run: the registry outlives test runs.
  const event = `check-${randomUUID().slice(0, 8)}`;
  subject = `${event}-value`;
  eventDir = join(dir, event);
  mkdirSync(eventDir);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function schemasCheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, '--url', url, '--dir', dir, ...args], {
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeVersion(version: number, fields: object[]): void {
  const schema = { type: 'record', name: 'Checked', namespace: 'test', fields };
  writeFileSync(join(eventDir, `v${version}.avsc`), JSON.stringify(schema));
}

test('--help describes the command', () => {
  const result = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/Usage: npm run schemas:check/);
});

test('v1 registered by --register; an incompatible v2 fails with the registry reason; a compatible v2 passes', () => {
  writeVersion(1, [{ name: 'id', type: 'string' }]);
  const first = schemasCheck('--register');
  expect(first.stderr).toBe('');
  expect(first.stdout).toMatch(new RegExp(`${subject} +v1 +new subject, registered as id \\d+`));
  expect(first.status).toBe(0);

  writeVersion(2, [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ]);
  const refused = schemasCheck();
  expect(refused.stdout).toMatch(new RegExp(`${subject} +v2 +INCOMPATIBLE: .*amount at /fields/1`));
  expect(refused.stdout).toMatch(/1 of 1 schemas incompatible/);
  expect(refused.status).toBe(1);
  // --register never registers while a subject fails.
  expect(schemasCheck('--register').status).toBe(1);

  writeVersion(2, [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long', default: 0 },
  ]);
  const accepted = schemasCheck();
  expect(accepted.stdout).toMatch(new RegExp(`${subject} +v2 +compatible with 1 registered version`));
  expect(accepted.status).toBe(0);
});

test('an unreachable registry fails the check with a clear error', async () => {
  const down = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
  const result = spawnSync(process.execPath, [CLI, '--url', down, '--dir', dir], { encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`Schema registry ${down} did not answer .* ECONNREFUSED`));
});
