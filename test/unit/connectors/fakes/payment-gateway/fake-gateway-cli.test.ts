import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const cli = 'connectors/fakes/payment-gateway/fake-gateway-cli.ts';
// The pinned Node 24 (type stripping), not whatever `node` is on PATH.
const node = `${root}node_modules/.bin/node`;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cli, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('fake-gateway CLI', () => {
  it('prints usage with the port and rate options for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const option of ['--port', '--decline-rate', '--failure-rate', '--latency-ms', '--seed'])
      expect(stdout).toContain(option);
  });

  it('exits 2 naming the option for an invalid rate', async () => {
    const { code, stderr } = await run(['--port', '0', '--decline-rate', '1.5']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/declineRate/);
  });

  it('listens, serves charges, and stops on SIGTERM', async () => {
    const child = spawn(node, [cli, '--port', '0', '--seed', '1'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const response = await fetch(`${url}/v1/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'cli-1' },
        body: JSON.stringify({ orderId: 'o-cli', amount: 100, currency: 'EUR', paymentMethod: 'card' }),
      });
      expect(response.status).toBe(201);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
