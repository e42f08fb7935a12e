import type { KeyValueStore } from '../state-stores/index.ts';

/**
 * A time-ordered index in a key-value store: keys `<zero-padded due ms>|<id>` sort by due time,
 * so a punctuator finds what is due with one range scan instead of reading every entry.
 */
const WIDTH = 15;

export function dueKey(dueAtMs: number, id: string): string {
  return `${String(Math.max(0, Math.floor(dueAtMs))).padStart(WIDTH, '0')}|${id}`;
}

export async function dueIds(
  index: KeyValueStore<string, string>,
  nowMs: number,
  limit = 500,
): Promise<{ key: string; id: string }[]> {
  const entries = await index.range(dueKey(0, ''), `${dueKey(nowMs, '')}\uffff`);
  return entries.slice(0, limit).map((e) => ({ key: e.key, id: e.value }));
}
