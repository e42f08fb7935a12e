import type { Headers } from '../../engine-common/record.ts';

/**
 * The dead-letter record format of CONTRACT.md, in one place so every component that dead-letters
 * (the task core, the runtime, domain validators) writes the same headers:
 * original key and value bytes untouched, the original headers kept, and
 * `error.reason`, `error.stage`, `source.topic`, `source.partition`, `source.offset`, `error.at`
 * added (UTF-8 strings; partition, offset and epoch-millisecond time in decimal).
 */
export const DeadLetterHeader = {
  REASON: 'error.reason',
  STAGE: 'error.stage',
  SOURCE_TOPIC: 'source.topic',
  SOURCE_PARTITION: 'source.partition',
  SOURCE_OFFSET: 'source.offset',
  AT: 'error.at',
} as const;

/** The default topic name; a configured prefix may go in front of it. */
export const DEAD_LETTER_TOPIC = 'dead-letter';

/**
 * Where the record failed: `deserialize` (source bytes), `timestamp` (no valid event time),
 * `validate` (a ValidationError from a processor), `process` (any other processor error),
 * `serialize` (a sink could not encode its output). Components may add their own.
 */
export type DeadLetterStage =
  'deserialize' | 'timestamp' | 'validate' | 'process' | 'serialize' | (string & {});

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** A record bound for the dead-letter topic; the runtime chooses the topic and sends it in the open transaction. */
export interface DeadLetterRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly reason: string;
  readonly stage: DeadLetterStage;
  readonly source: DeadLetterSource;
  /** The error itself, for logs and metrics; it is not sent. */
  readonly error: unknown;
}

export type DeadLetterHandler = (record: DeadLetterRecord) => void | Promise<void>;

/** Reasons are capped so a huge error message cannot push the record past the broker's max message size. */
const MAX_REASON_CHARS = 2000;

export function errorReason(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

/** The original headers plus the dead-letter headers (which win on a name clash). */
export function deadLetterHeaders(input: {
  readonly reason: string;
  readonly stage: DeadLetterStage;
  readonly source: DeadLetterSource;
  readonly atMs: number;
  readonly original?: Headers;
}): Headers {
  const headers: Headers = new Map(input.original ?? []);
  headers.set(DeadLetterHeader.REASON, Buffer.from(input.reason, 'utf8'));
  headers.set(DeadLetterHeader.STAGE, Buffer.from(input.stage, 'utf8'));
  headers.set(DeadLetterHeader.SOURCE_TOPIC, Buffer.from(input.source.topic, 'utf8'));
  headers.set(DeadLetterHeader.SOURCE_PARTITION, Buffer.from(String(input.source.partition), 'utf8'));
  headers.set(DeadLetterHeader.SOURCE_OFFSET, Buffer.from(input.source.offset.toString(), 'utf8'));
  headers.set(DeadLetterHeader.AT, Buffer.from(String(input.atMs), 'utf8'));
  return headers;
}

export function buildDeadLetterRecord(input: {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers?: Headers;
  readonly error: unknown;
  readonly stage: DeadLetterStage;
  readonly source: DeadLetterSource;
  readonly atMs: number;
}): DeadLetterRecord {
  const reason = errorReason(input.error);
  return {
    key: input.key,
    value: input.value,
    timestamp: input.timestamp,
    headers: deadLetterHeaders({
      reason,
      stage: input.stage,
      source: input.source,
      atMs: input.atMs,
      original: input.headers,
    }),
    reason,
    stage: input.stage,
    source: input.source,
    error: input.error,
  };
}

/** Reads the dead-letter headers back (for tests, tools and consumers of the dead-letter topic). */
export function readDeadLetterHeaders(headers: Headers): {
  reason: string | undefined;
  stage: string | undefined;
  sourceTopic: string | undefined;
  sourcePartition: number | undefined;
  sourceOffset: bigint | undefined;
  atMs: number | undefined;
} {
  const text = (name: string): string | undefined => headers.get(name)?.toString('utf8');
  const partition = text(DeadLetterHeader.SOURCE_PARTITION);
  const offset = text(DeadLetterHeader.SOURCE_OFFSET);
  const at = text(DeadLetterHeader.AT);
  return {
    reason: text(DeadLetterHeader.REASON),
    stage: text(DeadLetterHeader.STAGE),
    sourceTopic: text(DeadLetterHeader.SOURCE_TOPIC),
    sourcePartition: partition === undefined ? undefined : Number(partition),
    sourceOffset: offset === undefined ? undefined : BigInt(offset),
    atMs: at === undefined ? undefined : Number(at),
  };
}
