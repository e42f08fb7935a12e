import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../runtime/logger.ts';

test('with LOG_FILE every logger writes its lines to that one file (JSON, with its bindings)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  const file = join(dir, 'nested', 'demo.log');
  const saved = { LOG_FILE: process.env.LOG_FILE, LOG_LEVEL: process.env.LOG_LEVEL };
  process.env.LOG_FILE = file;
  process.env.LOG_LEVEL = 'info';
  try {
    createLogger('first', { service: 'core' }).info({ orderId: 'o-1' }, 'reserved');
    createLogger('second').warn('payment retry');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ name: 'first', service: 'core', orderId: 'o-1', msg: 'reserved', level: 30 }),
      expect.objectContaining({ name: 'second', msg: 'payment retry', level: 40 }),
    ]);
  } finally {
    process.env.LOG_FILE = saved.LOG_FILE;
    process.env.LOG_LEVEL = saved.LOG_LEVEL;
    if (saved.LOG_FILE === undefined) delete process.env.LOG_FILE;
    if (saved.LOG_LEVEL === undefined) delete process.env.LOG_LEVEL;
    rmSync(dir, { recursive: true, force: true });
  }
});
