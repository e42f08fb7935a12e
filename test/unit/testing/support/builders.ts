import { StreamsBuilder } from '../../../../topology/index.ts';
import { memoryDslStoreSuppliers } from './memory-store.ts';

/** A StreamsBuilder whose DSL stores are the test in-memory store. */
export function newBuilder(): StreamsBuilder {
  return new StreamsBuilder({ dslStoreSuppliers: memoryDslStoreSuppliers });
}
