import { loadSchemaCatalog } from './catalog.ts';

export interface CompatibilityProblem {
  readonly event: string;
  readonly readerVersion: number;
  readonly writerVersion: number;
  readonly reason: string;
}

/**
 * Backward compatibility: the newest schema of each event must read data written with every
 * earlier version (Avro schema resolution). Returns the problems; empty means compatible.
 */
export function checkBackwardCompatibility(dir?: string): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  for (const [event, versions] of loadSchemaCatalog(dir)) {
    const newest = versions.at(-1);
    if (!newest) continue;
    for (const older of versions.slice(0, -1)) {
      try {
        newest.type.createResolver(older.type);
      } catch (error) {
        problems.push({
          event,
          readerVersion: newest.version,
          writerVersion: older.version,
          reason: (error as Error).message,
        });
      }
    }
  }
  return problems;
}
