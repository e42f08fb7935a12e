import type { RandomSource } from '../retry/backoff.ts';

/**
 * A small deterministic PRNG (mulberry32) so a fake third party with a seed fails and declines the
 * same requests on every run, which makes demo runs and failing tests reproducible.
 * Without a seed it falls back to `Math.random`.
 */
export function seededRandom(seed: number | undefined): RandomSource {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
