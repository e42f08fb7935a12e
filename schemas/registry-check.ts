import type avro from 'avsc';
import { loadSchemaCatalog } from './catalog.ts';
import type { CompatibilityResult, HttpSchemaRegistry } from './registry.ts';
import { compatibilityOf, subjectOf } from './subjects.ts';

export interface SubjectCheck extends CompatibilityResult {
  readonly event: string;
  readonly subject: string;
  /** The local version checked: the newest in schemas/avro/<event>/. */
  readonly version: number;
  /** The id it got when `register` was asked and every subject passed. */
  readonly registeredId?: number;
}

/**
 * Asks the registry whether the newest local schema of every event may be registered under its
 * subject. With `register`, and only when every subject passes, sets each subject's compatibility
 * level and registers the schemas: the deploy step that lets production run with registration
 * already done.
 */
export async function checkAgainstRegistry(
  registry: HttpSchemaRegistry,
  options: { dir?: string; register?: boolean } = {},
): Promise<SubjectCheck[]> {
  const checks: { check: SubjectCheck; schema: avro.Schema }[] = [];
  for (const [event, versions] of loadSchemaCatalog(options.dir)) {
    const newest = versions.at(-1);
    if (!newest) continue;
    const subject = subjectOf(event);
    const result = await registry.checkCompatibility(subject, newest.schema);
    checks.push({ check: { event, subject, version: newest.version, ...result }, schema: newest.schema });
  }
  if (!options.register || checks.some(({ check }) => !check.compatible)) return checks.map((c) => c.check);
  const registered: SubjectCheck[] = [];
  for (const { check, schema } of checks) {
    await registry.setCompatibility(check.subject, compatibilityOf(check.event));
    registered.push({ ...check, registeredId: await registry.register(check.subject, schema) });
  }
  return registered;
}
