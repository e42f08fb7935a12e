import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A misconfigured service says what is wrong in one sentence naming the setting, on stderr, instead
 * of a stack trace: `npm start` as a person runs it. None of these needs a broker: each fails before
 * Kafka is used, or is about Kafka not answering at all.
 */
const MAIN = join(import.meta.dirname, '../../../app/main.ts');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-failures-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the service until it exits or its stderr matches `until`; returns the stderr and the exit code (null: still running, killed). */
function run(env: NodeJS.ProcessEnv, until?: RegExp): Promise<{ stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        STATE_DIR: join(dir, 'state'),
        HTTP_PORT: String(29_000 + Math.floor(Math.random() * 900)),
        KAFKA_BOOTSTRAP: '127.0.0.1:1', // nothing listens there: never reached by the early checks
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (until?.test(stderr)) child.kill('SIGKILL');
    });
    child.on('exit', (code) => resolve({ stderr, code }));
  });
}

test('a state directory it cannot write: one sentence naming STATE_DIR, exit 1', async () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const { stderr, code } = await run({ STATE_DIR: join(file, 'state') });
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toEqual([
    expect.stringMatching(
      /^pipeline could not start: STATE_DIR .*a-file\/state is not a directory this process can write \(ENOTDIR\): set STATE_DIR/,
    ),
  ]);
});

test('a port already in use: one sentence naming HTTP_PORT, exit 1', async () => {
  const holder: Server = createServer();
  const port = await new Promise<number>((resolve) =>
    holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
  );
  try {
    const { stderr, code } = await run({ HTTP_PORT: String(port) });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `pipeline could not start: HTTP_PORT ${port} on 127.0.0.1 is in use by another process: set HTTP_PORT to a free port (0 picks one) or stop what holds it`,
    );
  } finally {
    holder.close();
  }
});

test('PostgreSQL not answering: a sentence naming DATABASE_URL, password masked, while it waits for it', async () => {
  const { stderr } = await run({ DATABASE_URL: 'postgres://shop:s3cret@127.0.0.1:1/shop' }, /retrying/);
  expect(stderr).toMatch(
    /^PostgreSQL at postgres:\/\/shop:\*\*\*@127\.0\.0\.1:1\/shop does not answer \(ECONNREFUSED\): check DATABASE_URL.*; retrying for \d+ s/,
  );
  expect(stderr).not.toContain('s3cret');
});

test('Kafka not answering: a sentence naming KAFKA_BOOTSTRAP while it waits for the brokers', async () => {
  const { stderr } = await run({}, /retrying/);
  expect(stderr).toMatch(
    /^Kafka at 127\.0\.0\.1:1 does not answer \(ECONNREFUSED\): check KAFKA_BOOTSTRAP, and that the brokers run.*; retrying for \d+ s/,
  );
}, 60_000);

test('an invalid setting: the configuration error as one sentence, exit 1', async () => {
  const { stderr, code } = await run({ PARTITIONS: 'many' });
  expect(code).toBe(1);
  expect(stderr.trim()).toMatch(
    /^pipeline could not start: Invalid configuration PARTITIONS="many": an integer >= 1$/,
  );
});
