/**
 * `npm run observability:dashboards`: writes the dashboards built in deploy/grafana/*.ts to
 * deploy/grafana/dashboards/*.json (committed, imported into Grafana as they are).
 * `-- --check`: writes nothing, fails when a committed file differs from what the code builds.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS_DIR, dashboards, render } from './dashboards.ts';

const check = process.argv.includes('--check');
const dir = fileURLToPath(DASHBOARDS_DIR);
const expected = dashboards();
const stale: string[] = [];
for (const [file, dashboard] of expected) {
  const path = new URL(file, DASHBOARDS_DIR);
  const text = render(dashboard);
  const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (committed === text) continue;
  if (check) stale.push(file);
  else {
    writeFileSync(path, text);
    process.stdout.write(`[dashboards] wrote ${dir}${file}\n`);
  }
}
// A file the code no longer builds would be imported by people and checked by nobody.
const unknown = readdirSync(dir).filter((f) => f.endsWith('.json') && !expected.has(f));
if (check && (stale.length > 0 || unknown.length > 0)) {
  process.stderr.write(
    `[dashboards] out of date with deploy/grafana/*.ts: ${[...stale, ...unknown.map((f) => `${f} (not built)`)].join(', ')}; run npm run observability:dashboards\n`,
  );
  process.exit(1);
}
if (!check && unknown.length > 0)
  process.stderr.write(
    `[dashboards] ${unknown.join(', ')} in ${dir} are not built by the code: remove them\n`,
  );
process.stdout.write(`[dashboards] ${expected.size} dashboards ${check ? 'match the code' : 'up to date'}\n`);
