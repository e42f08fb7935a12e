import type { ByteEntry } from './bytes.ts';
import type { KeyValueBytesLayer } from './bytes-layer.ts';
import type { WindowedKeyCodec } from './windowed-key-codec.ts';

/**
 * Range reads and segment drops over keys laid out by a segmented `WindowedKeyCodec`, through the
 * store's byte layers (so they see the open transaction's writes and their deletes reach the
 * changelog). Shared by the window and the session store.
 */

/** Up to this many segments a per-key fetch scans each one; past it, it seeks the non-empty ones. */
const DIRECT_SEGMENTS = 4;

/**
 * Entries of `key` with time in [fromMs, toMs] (toMs may be Infinity), segment by segment, each
 * segment's in time order. Empty segments cost one seek each at most: when the span holds many
 * segments, a one-entry scan finds the next non-empty segment instead of visiting every id.
 */
export async function fetchKey(
  layer: KeyValueBytesLayer,
  codec: WindowedKeyCodec,
  key: Buffer,
  fromMs: number,
  toMs: number,
): Promise<ByteEntry[]> {
  if (toMs < fromMs) return [];
  const first = codec.segmentOf(fromMs);
  const last = toMs === Infinity ? null : codec.segmentOf(toMs);
  const out: ByteEntry[] = [];
  if (last !== null && last - first < DIRECT_SEGMENTS) {
    for (let segment = first; segment <= last; segment++)
      out.push(...(await layer.scan(codec.keyRange(key, fromMs, toMs, segment))));
    return out;
  }
  for (let segment: number | null = first; segment !== null;) {
    const [next] = await layer.scan({ ...codec.segmentRange(segment, last), limit: 1 });
    if (next === undefined) break;
    const found = codec.segmentOfStored(next.key);
    out.push(...(await layer.scan(codec.keyRange(key, fromMs, toMs, found))));
    segment = last !== null && found >= last ? null : found + 1;
  }
  return out;
}

/** Entries of every key with time in [fromMs, toMs]: one scan of the segments covering the range. */
export async function fetchTimeRange(
  layer: KeyValueBytesLayer,
  codec: WindowedKeyCodec,
  fromMs: number,
  toMs: number,
): Promise<ByteEntry[]> {
  if (toMs < fromMs) return [];
  const entries = await layer.scan(codec.segmentRange(codec.segmentOf(fromMs), codec.segmentOf(toMs)));
  // Only the first and last segment can hold times outside the range.
  return entries.filter((entry) => {
    const time = codec.timeOf(entry.key);
    return time >= fromMs && time <= toMs;
  });
}

/**
 * Deletes the entries of segments [first, last] whose time is before `beforeMs` (every entry, for
 * segments that end by then): one scan of a contiguous range, and a tombstone per entry, which the
 * change-logging layer sends to the changelog so a restore drops them too. Returns how many.
 */
export async function deleteBefore(
  layer: KeyValueBytesLayer,
  codec: WindowedKeyCodec,
  first: number,
  last: number,
  beforeMs: number,
): Promise<number> {
  if (last < first) return 0;
  let deleted = 0;
  const wholeUntil = codec.segmentStartMs(last + 1) <= beforeMs;
  for (const entry of await layer.scan(codec.segmentRange(first, last))) {
    if (!wholeUntil && codec.timeOf(entry.key) >= beforeMs) continue;
    layer.put(entry.key, null);
    deleted++;
  }
  return deleted;
}
