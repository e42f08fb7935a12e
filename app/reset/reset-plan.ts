/**
 * The reset as a plan: from what the cluster and the disk say (ResetFacts) to the exact list of
 * changes (ResetPlan), which the dry run prints and the real run carries out. Pure.
 */
import { join } from 'node:path';
import type { CommittedOffsets, GroupDescription } from '../../runtime/index.ts';
import type { ResetRequest } from './reset-args.ts';
import { topicsToDelete, type ResetTarget } from './reset-targets.ts';

/** What the tool read before deciding anything. */
export interface ResetFacts {
  readonly topics: readonly string[];
  readonly groupIds: readonly string[];
  readonly groups: ReadonlyMap<string, GroupDescription>;
  readonly committed: ReadonlyMap<string, CommittedOffsets>;
  /** Log start offset per partition of each existing input topic. */
  readonly earliest: ReadonlyMap<string, ReadonlyMap<number, bigint>>;
  /** Which state directories exist. */
  readonly stateDirExists: (path: string) => boolean;
}

export interface OffsetChange {
  readonly topic: string;
  readonly partition: number;
  /** Committed now; null when the group has no offset there yet. */
  readonly from: bigint | null;
  readonly to: bigint;
}

export interface AppResetPlan {
  readonly applicationId: string;
  readonly group: GroupDescription;
  /** No such group (it never ran, or was deleted): it starts at the earliest offsets anyway. */
  readonly groupAbsent: boolean;
  readonly toEarliest: readonly OffsetChange[];
  /** Committed offsets on topics the reset deletes: dropped with them. */
  readonly toDrop: ReadonlyMap<string, readonly number[]>;
  readonly stateDir: string;
  readonly stateDirExists: boolean;
}

export interface ResetPlan {
  readonly apps: readonly AppResetPlan[];
  readonly deleteTopics: readonly string[];
  /** Input topics named but not on the cluster: nothing to reset there. */
  readonly missingInputs: readonly string[];
  /** Groups with members: the reset refuses while there are any. */
  readonly activeGroups: readonly GroupDescription[];
  readonly notes: readonly string[];
}

const INACTIVE = new Set(['empty', 'dead']);

export function isActive(group: GroupDescription): boolean {
  return group.members.length > 0 || !INACTIVE.has(group.state.toLowerCase());
}

export function planReset(
  request: ResetRequest,
  targets: readonly ResetTarget[],
  facts: ResetFacts,
): ResetPlan {
  const deleteTopics = topicsToDelete(request, targets, facts.topics, facts.groupIds);
  const deleted = new Set(deleteTopics);
  const existing = new Set(facts.topics);
  const apps = targets.map((target): AppResetPlan => {
    const id = target.applicationId;
    const committed = facts.committed.get(id) ?? new Map<string, Map<number, bigint>>();
    const group = facts.groups.get(id) ?? { groupId: id, state: 'Dead', members: [] };
    const groupAbsent = group.state.toLowerCase() === 'dead' && committed.size === 0;
    const toEarliest = target.inputTopics
      .filter((t) => existing.has(t) && !groupAbsent)
      .flatMap((topic) =>
        [...(facts.earliest.get(topic) ?? new Map<number, bigint>())].map(([partition, to]) => ({
          topic,
          partition,
          from: committed.get(topic)?.get(partition) ?? null,
          to,
        })),
      );
    const toDrop = new Map(
      [...committed]
        .filter(([topic]) => deleted.has(topic))
        .map(([topic, ps]) => [topic, [...ps.keys()].sort((a, b) => a - b)]),
    );
    const stateDir = join(request.stateDir, id);
    return {
      applicationId: id,
      group,
      groupAbsent,
      toEarliest,
      toDrop,
      stateDir,
      stateDirExists: facts.stateDirExists(stateDir),
    };
  });
  const notes = request.saga
    ? [
        'the read model in PostgreSQL keeps its own offsets (sink_offsets) and is not touched: it skips order-status records it already applied; TRUNCATE orders_read_model, sink_offsets to rebuild it',
      ]
    : [];
  if (!request.saga && request.inputTopics.length === 0)
    notes.push(
      'no --input-topics: no offsets go back to the beginning (only internal topics and state are removed)',
    );
  return {
    apps,
    deleteTopics,
    missingInputs: targets.flatMap((t) => t.inputTopics).filter((t) => !existing.has(t)),
    activeGroups: apps.map((a) => a.group).filter(isActive),
    notes,
  };
}

/** The refusal when groups still have members: who they are and what to do. */
export function renderRefusal(active: readonly GroupDescription[]): string {
  const lines = active.map((g) => {
    const members = g.members.map((m) => `${m.instanceId ?? m.memberId} (${m.clientId} on ${m.host})`);
    return `  group ${g.groupId} is ${g.state} with ${g.members.length} member(s)${members.length ? `: ${members.join(', ')}` : ''}`;
  });
  return [
    'refusing to reset: the application is running (its consumer groups have active members)',
    ...lines,
    'stop every instance first; a stopped instance with a static INSTANCE_ID stays a member until its session times out (10 s), then run this again',
  ].join('\n');
}

/** Every change the plan makes, one per line, as the dry run prints it and the real run logs it. */
export function renderPlan(plan: ResetPlan, dryRun: boolean): string {
  const lines: string[] = [dryRun ? 'DRY RUN: nothing is changed. The reset would:' : 'Resetting:'];
  for (const app of plan.apps) {
    lines.push(
      `application ${app.applicationId} (group ${app.group.state}, ${app.group.members.length} members)`,
    );
    if (app.groupAbsent)
      lines.push('  no such group (never ran, or deleted): it starts at the earliest offsets anyway');
    else if (app.toEarliest.length === 0) lines.push('  offsets to earliest: none');
    for (const c of app.toEarliest)
      lines.push(
        `  offset ${c.topic}[${c.partition}]: ${c.from === null ? 'none' : String(c.from)} -> ${c.to} (earliest)`,
      );
    for (const [topic, partitions] of app.toDrop)
      lines.push(
        `  drop committed offsets on ${topic} (partitions ${partitions.join(', ')}): the topic is deleted`,
      );
    lines.push(
      `  ${app.stateDirExists ? 'delete state directory' : 'state directory absent (nothing to delete)'}: ${app.stateDir}`,
    );
  }
  lines.push(
    plan.deleteTopics.length === 0
      ? 'delete topics: none found'
      : `delete ${plan.deleteTopics.length} topics:`,
  );
  for (const t of plan.deleteTopics) lines.push(`  ${t}`);
  for (const t of plan.missingInputs) lines.push(`input topic ${t} does not exist: nothing to reset there`);
  for (const n of plan.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
