// The package ships no types; this declares the part of its abstract-level API we use.
declare module '@nxtedition/rocksdb' {
  export class RocksLevel<K, V> {
    constructor(location: string, options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' });
    open(): Promise<void>;
    close(): Promise<void>;
    getMany(keys: K[]): Promise<(V | undefined)[]>;
    /** Synchronous multi-get of the binding (not part of abstract-level's public API; may be absent). */
    _getManySync?: (keys: K[], options?: unknown) => (V | undefined)[];
    batch(operations: ({ type: 'put'; key: K; value: V } | { type: 'del'; key: K })[]): Promise<void>;
    iterator(options: { gte?: K; lt?: K; limit?: number }): { all(): Promise<[K, V][]> };
    getProperty(name: string): string;
    clear(options: { gte?: K; lt?: K }): Promise<void>;
  }
}

// rocksdb-native ships no types either; the bench uses this much of it.
declare module 'rocksdb-native' {
  interface Batch {
    put(key: Buffer, value: Buffer): void;
    get(key: Buffer): Promise<Buffer | null>;
    flush(): Promise<void>;
    tryFlush(): void;
  }
  export default class RocksDB {
    constructor(path: string);
    ready(): Promise<void>;
    write(): Batch;
    read(): Batch;
    iterator(range: { gte?: Buffer; lt?: Buffer }): AsyncIterable<{ key: Buffer; value: Buffer }>;
    close(): Promise<void>;
  }
}
