/**
 * Milestones are the statuses a run times. `RESERVED|REJECTED` is reached at the first status that
 * is either: the reservation decision, whatever it was.
 */
export interface Milestone {
  readonly name: string;
  readonly statuses: ReadonlySet<string>;
}

/** After one of these no further status comes (CONTRACT.md), so an order waiting for more is settled. */
export const TERMINAL_STATUSES: readonly string[] = ['SHIPPED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export function parseMilestones(specs: readonly string[]): Milestone[] {
  if (specs.length === 0) throw new Error('At least one milestone is needed, e.g. RESERVED|REJECTED');
  const seen = new Set<string>();
  return specs.map((spec) => {
    const statuses = spec
      .split('|')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (statuses.length === 0) throw new Error(`Milestone "${spec}" names no status`);
    const name = statuses.join('|');
    if (seen.has(name)) throw new Error(`Milestone "${name}" is listed twice`);
    seen.add(name);
    return { name, statuses: new Set(statuses) };
  });
}
