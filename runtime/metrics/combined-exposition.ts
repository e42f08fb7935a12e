import type { Registry } from 'prom-client';

/** Prometheus' text format, version 0.0.4: what prom-client's registries render. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  help: string;
  type: string;
  samples: string[];
}

/**
 * One exposition for several registries (one per StreamsApp, plus the process's own), so a process
 * has a single scrape target. Families with the same name — every app has
 * `kafka_streams_task_process_total` — are combined under one HELP and TYPE with the samples of
 * all; each app's default labels (application_id, service) keep their series apart.
 * prom-client's `Registry.merge` cannot do this: it refuses a name registered twice.
 *
 * Throws when two registries declare the same family with different types: such an exposition
 * would be rejected by Prometheus, and it is a programming error to find at the first scrape.
 *
 * @example
 *   server.get('/metrics', async () => combinedMetrics([processRegistry, ...apps.map((a) => a.metrics.registry)]));
 */
export async function combinedMetrics(registries: readonly Registry[]): Promise<string> {
  const families = new Map<string, Family>();
  for (const registry of registries) {
    for (const [name, family] of parseExposition(await registry.metrics())) {
      const known = families.get(name);
      if (!known) {
        families.set(name, family);
        continue;
      }
      if (known.type !== family.type)
        throw new Error(`metric ${name} is a ${known.type} in one registry and a ${family.type} in another`);
      known.samples.push(...family.samples);
    }
  }
  let text = '';
  for (const [name, family] of families) {
    text += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
    for (const sample of family.samples) text += `${sample}\n`;
  }
  return text;
}

/**
 * The families of one registry's text exposition, by name, in order. Each family's samples follow
 * its HELP and TYPE lines (prom-client writes them that way, histograms' _bucket/_sum/_count too),
 * so a sample belongs to the family last declared.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const declare = (name: string): Family => {
    let family = families.get(name);
    if (!family) {
      family = { help: '', type: 'untyped', samples: [] };
      families.set(name, family);
    }
    current = family;
    return family;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const family = declare(meta[2] as string);
      if (meta[1] === 'HELP') family.help = meta[3] ?? '';
      else family.type = meta[3] ?? 'untyped';
      continue;
    }
    if (line.startsWith('#')) continue;
    if (!current) throw new Error(`sample before any HELP/TYPE line: ${line}`);
    current.samples.push(line);
  }
  return families;
}
