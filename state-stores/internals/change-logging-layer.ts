import type { ByteEntry, ByteRange } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';

/** Sends every write that reaches it to the changelog collector, then passes it down. */
export class ChangeLoggingLayer implements KeyValueBytesLayer {
  private readonly lower: KeyValueBytesLayer;
  private readonly logChange: (key: Buffer, value: Buffer | null, timestamp: number) => void;

  constructor(
    lower: KeyValueBytesLayer,
    logChange: (key: Buffer, value: Buffer | null, timestamp: number) => void,
  ) {
    this.lower = lower;
    this.logChange = logChange;
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.lower.get(key);
  }

  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return this.lower.getMany(keys);
  }

  put(key: Buffer, value: Buffer | null): void {
    this.lower.put(key, value);
    this.logChange(key, value, Date.now());
  }

  scan(range: ByteRange): Promise<ByteEntry[]> {
    return this.lower.scan(range);
  }

  flush(): void {
    this.lower.flush();
  }

  commit(checkpoint: bigint | null): Promise<void> {
    return this.lower.commit(checkpoint);
  }

  abort(): void {
    this.lower.abort();
  }
}
