/**
 * A small seeded PRNG (mulberry32): the same seed gives the same SKU sequence, so two runs at the
 * same rate offer the same work and differ only in how the pipeline handled it.
 */
export type Random = () => number;

/** Returns floats in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` distinct integers from [0, n), uniformly (a SKU may appear once per order, CONTRACT.md). */
export function distinctIndexes(random: Random, n: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked];
}
