import type { DslStoreSuppliers } from '../dsl-store-suppliers.ts';

/**
 * The built-in store suppliers (state-stores/ `Stores`). Returns null until that module exists;
 * then the DSL reports a clear TopologyError when a store is needed and none was configured.
 */
export function defaultDslStoreSuppliers(): DslStoreSuppliers | null {
  return null;
}
