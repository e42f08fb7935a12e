import { seededRandom as mulberry32 } from '../../connectors/fakes/seeded-random.ts';

/**
 * The seeded PRNG of the fakes (mulberry32): the same seed gives the same SKU sequence, so two
 * runs at the same rate offer the same work and differ only in how the pipeline handled it.
 */
export type Random = () => number;

/** Returns floats in [0, 1). */
export function seededRandom(seed: number): Random {
  return mulberry32(seed);
}

/** `count` distinct integers from [0, n), uniformly (a SKU may appear once per order, CONTRACT.md). */
export function distinctIndexes(random: Random, n: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked];
}
