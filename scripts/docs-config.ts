/**
 * `npm run docs:config`: rewrites the configuration reference in docs/operations.md (between the
 * config-reference markers) from the settings table of app/config.ts. `-- --check` writes nothing
 * and exits 1 when the document is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigReference } from '../app/config-reference.ts';

const path = fileURLToPath(new URL('../docs/operations.md', import.meta.url));
const current = readFileSync(path, 'utf8');
const expected = withConfigReference(current);

if (process.argv.includes('--check')) {
  if (current !== expected) {
    process.stderr.write('[docs:config] docs/operations.md is stale: run `npm run docs:config`\n');
    process.exit(1);
  }
  process.stdout.write('[docs:config] docs/operations.md matches app/config.ts\n');
} else {
  if (current !== expected) writeFileSync(path, expected);
  process.stdout.write(
    `[docs:config] docs/operations.md ${current === expected ? 'already ' : ''}up to date\n`,
  );
}
