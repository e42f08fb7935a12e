/**
 * npm run schemas:check: is every local schema (schemas/avro/<event>/v<N>.avsc, the newest
 * version of each) compatible with what the schema registry has under its subject? Exits 1 with
 * the registry's reason when one is not, so a deploy that the registry would refuse stops here.
 */
import { parseArgs } from 'node:util';
import { HttpSchemaRegistry, SchemaRegistryError } from '../schemas/index.ts';
import { checkAgainstRegistry } from '../schemas/registry-check.ts';
import { stackConfig } from '../stack/config.ts';

const HELP = `Usage: npm run schemas:check [-- --url URL] [--dir DIR] [--register]

Asks a Confluent-compatible schema registry whether the newest local schema of every event
may be registered under its subject (<event>-value), against every registered version as the
subject's compatibility level says (BACKWARD_TRANSITIVE; FULL_TRANSITIVE for output events).

Options:
  --url URL     the registry's Confluent API [SCHEMA_REGISTRY_URL, else the stack's
                ${stackConfig.schemaRegistryUrl}] (start it: npm run stack:up -- --registry)
  --dir DIR     the schema folder [schemas/avro]
  --register    when every subject passes, set each subject's compatibility level and register
                the schemas (the deploy step)
  -h, --help    this text

Exit status: 0 all compatible, 1 an incompatible schema or an unreachable registry, 2 bad usage.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        dir: { type: 'string' },
        register: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const url = values.url ?? stackConfig.schemaRegistryUrl;
  // A deploy gate should fail fast: three attempts (about 1.5 s of backoff), not the app's two minutes.
  const registry = new HttpSchemaRegistry(url, { attempts: 3 });
  const checks = await checkAgainstRegistry(registry, {
    ...(values.dir ? { dir: values.dir } : {}),
    register: values.register,
  });
  for (const check of checks) {
    const where = `${check.subject.padEnd(30)} v${check.version}`;
    if (!check.compatible) {
      process.stdout.write(`${where}  INCOMPATIBLE: ${check.reasons.join('; ')}\n`);
    } else {
      const against = check.registeredVersions
        ? `compatible with ${check.registeredVersions} registered version(s)`
        : 'new subject';
      const registered = check.registeredId !== undefined ? `, registered as id ${check.registeredId}` : '';
      process.stdout.write(`${where}  ${against}${registered}\n`);
    }
  }
  const bad = checks.filter((c) => !c.compatible).length;
  process.stdout.write(
    bad
      ? `${bad} of ${checks.length} schemas incompatible with ${url}\n`
      : `${checks.length} schemas compatible with ${url}\n`,
  );
  return bad ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof SchemaRegistryError;
    process.stderr.write(`[schemas:check] ${known ? '' : 'unexpected: '}${(error as Error).message}\n`);
    process.exit(1);
  },
);
