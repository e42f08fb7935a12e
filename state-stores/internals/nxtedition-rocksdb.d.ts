// The package ships no types; this declares the part of its abstract-level API we use.
declare module '@nxtedition/rocksdb' {
  export class RocksLevel<K, V> {
    constructor(location: string, options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' });
    open(): Promise<void>;
    close(): Promise<void>;
    getMany(keys: K[]): Promise<(V | undefined)[]>;
    batch(operations: ({ type: 'put'; key: K; value: V } | { type: 'del'; key: K })[]): Promise<void>;
    iterator(options: { gte?: K; lt?: K }): { all(): Promise<[K, V][]> };
    getProperty(name: string): string;
  }
}
