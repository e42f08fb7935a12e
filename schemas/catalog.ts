import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import type { EventName } from './types.ts';

const AVRO_DIR = join(import.meta.dirname, 'avro');

export interface SchemaVersion {
  readonly event: EventName;
  readonly version: number;
  readonly schema: avro.Schema;
  readonly type: avro.Type;
}

/** Every version of every event schema in schemas/avro/<event>/v<N>.avsc, oldest first. */
export function loadSchemaCatalog(dir = AVRO_DIR): Map<EventName, SchemaVersion[]> {
  const catalog = new Map<EventName, SchemaVersion[]>();
  for (const event of readdirSync(dir).sort() as EventName[]) {
    const versions = readdirSync(join(dir, event))
      .map((file) => /^v(\d+)\.avsc$/.exec(file))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
      .map((version) => {
        const schema = JSON.parse(readFileSync(join(dir, event, `v${version}.avsc`), 'utf8')) as avro.Schema;
        return { event, version, schema, type: avro.Type.forSchema(schema, { wrapUnions: false }) };
      });
    catalog.set(event, versions);
  }
  return catalog;
}

let cached: Map<EventName, SchemaVersion[]> | null = null;

export function schemaCatalog(): Map<EventName, SchemaVersion[]> {
  cached ??= loadSchemaCatalog();
  return cached;
}

/** The newest version of an event's schema: the reader schema of the pipeline. */
export function latestSchema(event: EventName): SchemaVersion {
  const versions = schemaCatalog().get(event);
  const latest = versions?.at(-1);
  if (!latest) throw new Error(`No Avro schema for event ${event} in ${AVRO_DIR}`);
  return latest;
}
