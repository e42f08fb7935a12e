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

/**
 * Calls left out by a task's previous owner (a crash, or a rebuild after an aborted transaction)
 * are due when they count as lost, which may be far off; nobody here waits for them, so they are
 * made due now. `isLost(id)` says whether an entry due later is such a call.
 */
export async function adoptLostCalls(
  index: KeyValueStore<string, string>,
  nowMs: number,
  isLost: (id: string) => Promise<boolean>,
): Promise<number> {
  let adopted = 0;
  for (const { key, value: id } of await index.range(
    dueKey(nowMs + 1, ''),
    `${dueKey(Number.MAX_SAFE_INTEGER, '')}\uffff`,
  )) {
    if (!(await isLost(id))) continue;
    await index.delete(key);
    await index.put(dueKey(nowMs, id), id);
    adopted++;
  }
  return adopted;
}
