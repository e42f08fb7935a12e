/**
 * The engine-facing side of a built topology: the node and store definitions the task core
 * (runtime/, testing/) instantiates, and the DSL's internal value types they carry. Not for
 * applications: the domain imports `topology/index.ts` only (eslint enforces it).
 */
export type { NodeDef, SourceNodeDef, ProcessorNodeDef, SinkNodeDef, StoreDef } from './internals/graph.ts';
export type { Change } from './internals/change.ts';
export type { KTableValueGetter, KTableValueGetterSupplier } from './internals/ktable-value-getter.ts';
