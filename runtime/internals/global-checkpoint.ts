import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { TopicPartition } from '../ports/ports.ts';
import { tpKey } from '../ports/ports.ts';

/** Version 0 of Kafka Streams' checkpoint file: a version line, a count line, then `topic partition offset` lines. */
const VERSION = 0;

/** The file name in `<stateDir>/<applicationId>/global/`, as Kafka Streams names it. */
export const GLOBAL_CHECKPOINT_FILE = '.checkpoint';

export interface CheckpointEntry extends TopicPartition {
  /** The next offset to read: everything before it is in the global stores. */
  readonly offset: bigint;
}

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/**
 * Several partitions feed one global store, so the store's own single-offset checkpoint cannot
 * say where each one stands: the global stores keep a checkpoint file beside them, like Kafka
 * Streams' GlobalStateManager. Sorted, so the same offsets always give the same bytes.
 */
export function formatCheckpoint(entries: readonly CheckpointEntry[]): string {
  const sorted = [...entries].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  const lines = [String(VERSION), String(sorted.length)];
  for (const e of sorted) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
  return `${lines.join('\n')}\n`;
}

/** Offsets by `topic:partition`; throws CheckpointFormatError on anything it does not understand. */
export function parseCheckpoint(text: string): Map<string, CheckpointEntry> {
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines[0] !== String(VERSION))
    throw new CheckpointFormatError(`unknown checkpoint version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2)
    throw new CheckpointFormatError(`checkpoint says ${lines[1]} entries but has ${lines.length - 2}`);
  const entries = new Map<string, CheckpointEntry>();
  for (const line of lines.slice(2)) {
    const match = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (!match) throw new CheckpointFormatError(`bad checkpoint line ${JSON.stringify(line)}`);
    const entry = {
      topic: match[1] as string,
      partition: Number(match[2]),
      offset: BigInt(match[3] as string),
    };
    entries.set(tpKey(entry), entry);
  }
  return entries;
}

/** The checkpoint at `path`, or null when there is none. */
export function readCheckpoint(path: string): Map<string, CheckpointEntry> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseCheckpoint(text);
}

/** Written to a temporary file, synced, then renamed: a crash leaves the old checkpoint or the new one. */
export function writeCheckpoint(path: string, entries: readonly CheckpointEntry[]): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, formatCheckpoint(entries));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
