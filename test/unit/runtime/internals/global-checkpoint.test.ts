import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointFormatError,
  formatCheckpoint,
  parseCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../../../../runtime/internals/global-checkpoint.ts';

describe('global checkpoint file', () => {
  it('writes Kafka Streams version-0 lines, sorted, and reads them back', () => {
    const text = formatCheckpoint([
      { topic: 'countries', partition: 1, offset: 7n },
      { topic: 'countries', partition: 0, offset: 12n },
      { topic: 'best', partition: 0, offset: 0n },
    ]);
    expect(text).toBe('0\n3\nbest 0 0\ncountries 0 12\ncountries 1 7\n');
    const parsed = parseCheckpoint(text);
    expect(parsed.get('countries:1')).toEqual({ topic: 'countries', partition: 1, offset: 7n });
    expect(parsed.size).toBe(3);
  });

  it('refuses what it does not understand', () => {
    expect(() => parseCheckpoint('1\n0\n')).toThrow(CheckpointFormatError);
    expect(() => parseCheckpoint('0\n2\nt 0 1\n')).toThrow(/says 2 entries but has 1/);
    expect(() => parseCheckpoint('0\n1\nt zero 1\n')).toThrow(/bad checkpoint line/);
  });

  it('reads null when there is no file, and replaces the file atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'global-checkpoint-'));
    try {
      const path = join(dir, '.checkpoint');
      expect(readCheckpoint(path)).toBeNull();
      writeCheckpoint(path, [{ topic: 't', partition: 0, offset: 3n }]);
      writeCheckpoint(path, [{ topic: 't', partition: 0, offset: 5n }]);
      expect(readFileSync(path, 'utf8')).toBe('0\n1\nt 0 5\n');
      expect(readCheckpoint(path)?.get('t:0')?.offset).toBe(5n);
      writeFileSync(path, 'garbage');
      expect(() => readCheckpoint(path)).toThrow(CheckpointFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
