/**
 * `npm run app:reset`: Kafka Streams' application reset tool for this engine (`--help`).
 */
import { createLogger } from '../runtime/index.ts';
import { kafkaSecurityFromEnv } from './kafka-security-config.ts';
import { parseResetArgs, RESET_HELP, ResetUsageError } from './reset/reset-args.ts';
import { renderPlan, renderRefusal } from './reset/reset-plan.ts';
import { runReset } from './reset/reset-run.ts';

const out = (text: string) => process.stdout.write(`${text}\n`);

async function main(): Promise<number> {
  let request;
  try {
    request = parseResetArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ResetUsageError)) throw error;
    process.stderr.write(`app:reset: ${error.message}\n(npm run app:reset -- --help)\n`);
    return 2;
  }
  if (request === 'help') {
    out(RESET_HELP);
    return 0;
  }
  const log = createLogger('app-reset');
  const outcome = await runReset(request, kafkaSecurityFromEnv(process.env), log, (plan) => {
    if (plan.activeGroups.length > 0) process.stderr.write(`${renderRefusal(plan.activeGroups)}\n`);
    else out(renderPlan(plan, request.dryRun));
  });
  if (outcome.plan.activeGroups.length > 0) return 1;
  out(
    outcome.executed
      ? 'reset done: start the application to reprocess its inputs'
      : 'dry run: nothing changed',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`app:reset failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
