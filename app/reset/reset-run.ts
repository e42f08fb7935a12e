/**
 * The reset against a real cluster and disk: read the facts, plan, and (unless a dry run) carry
 * the plan out in Kafka Streams' order — offsets first, then the topics, then the local state.
 */
import { existsSync, rmSync } from 'node:fs';
import {
  KafkaGroupAdmin,
  type CommittedOffsets,
  type GroupDescription,
  type Logger,
} from '../../runtime/index.ts';
import type { KafkaSecurity } from '../../runtime/index.ts';
import type { ResetRequest } from './reset-args.ts';
import { isActive, planReset, type ResetFacts, type ResetPlan } from './reset-plan.ts';
import { resetTargets } from './reset-targets.ts';

export interface ResetOutcome {
  readonly plan: ResetPlan;
  /** False when groups had members (nothing was changed) or it was a dry run. */
  readonly executed: boolean;
}

const DELETION_WAIT_MS = 60_000;

async function readFacts(admin: KafkaGroupAdmin, request: ResetRequest): Promise<ResetFacts> {
  const targets = resetTargets(request);
  const [topics, groupIds] = await Promise.all([admin.listTopics(), admin.groupIds()]);
  const groups = new Map<string, GroupDescription>();
  const committed = new Map<string, CommittedOffsets>();
  for (const { applicationId } of targets) {
    groups.set(applicationId, await admin.describeGroup(applicationId));
    committed.set(applicationId, await admin.committedOffsets(applicationId));
  }
  const inputs = [...new Set(targets.flatMap((t) => t.inputTopics))].filter((t) => topics.includes(t));
  const counts = await admin.partitionCounts(inputs);
  const earliest = new Map<string, Map<number, bigint>>();
  for (const topic of inputs) earliest.set(topic, await admin.earliestOffsets(topic, counts.get(topic) ?? 0));
  return { topics, groupIds, groups, committed, earliest, stateDirExists: existsSync };
}

async function waitUntilDeleted(
  admin: KafkaGroupAdmin,
  names: readonly string[],
  log: Logger,
): Promise<void> {
  const deadline = Date.now() + DELETION_WAIT_MS;
  for (;;) {
    const left = new Set(await admin.listTopics());
    const pending = names.filter((n) => left.has(n));
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `topics still listed ${DELETION_WAIT_MS / 1000} s after their deletion: ${pending.join(', ')}`,
      );
    log.debug({ pending }, 'waiting for topic deletion');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function execute(admin: KafkaGroupAdmin, plan: ResetPlan, log: Logger): Promise<void> {
  // Checked again right before changing anything: an instance started since the facts were read
  // must not have its offsets moved under it.
  for (const app of plan.apps) {
    const now = await admin.describeGroup(app.applicationId);
    if (isActive(now))
      throw new Error(
        `group ${app.applicationId} became ${now.state} with ${now.members.length} member(s): start again once it is stopped`,
      );
  }
  for (const app of plan.apps) {
    const offsets: CommittedOffsets = new Map();
    for (const c of app.toEarliest)
      offsets.set(c.topic, (offsets.get(c.topic) ?? new Map()).set(c.partition, c.to));
    await admin.setOffsets(app.applicationId, offsets);
    if (offsets.size > 0)
      log.info(
        { applicationId: app.applicationId, topics: [...offsets.keys()] },
        'offsets reset to earliest',
      );
    await admin.deleteOffsets(app.applicationId, app.toDrop);
    if (app.toDrop.size > 0)
      log.info(
        { applicationId: app.applicationId, topics: [...app.toDrop.keys()] },
        'offsets on deleted topics dropped',
      );
  }
  await admin.deleteTopics(plan.deleteTopics);
  await waitUntilDeleted(admin, plan.deleteTopics, log);
  if (plan.deleteTopics.length > 0) log.info({ topics: plan.deleteTopics }, 'internal topics deleted');
  for (const app of plan.apps)
    if (app.stateDirExists) {
      rmSync(app.stateDir, { recursive: true, force: true });
      log.info({ stateDir: app.stateDir }, 'state directory deleted');
    }
}

/** Plans the reset and, unless `dryRun` or a group has members, carries it out. */
export async function runReset(
  request: ResetRequest,
  security: KafkaSecurity | null,
  log: Logger,
  show: (plan: ResetPlan) => void,
): Promise<ResetOutcome> {
  const admin = new KafkaGroupAdmin({
    clientId: `${request.applicationId}-reset`,
    bootstrapServers: request.bootstrapServers,
    ...(security ? { security } : {}),
  });
  try {
    const plan = planReset(request, resetTargets(request), await readFacts(admin, request));
    show(plan);
    if (plan.activeGroups.length > 0 || request.dryRun) return { plan, executed: false };
    await execute(admin, plan, log);
    return { plan, executed: true };
  } finally {
    await admin.close();
  }
}
