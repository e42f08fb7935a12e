/**
 * The image's essentials, read from the Dockerfile (no Docker engine runs in CI): two stages, only
 * production dependencies, every source folder the start path imports, a non-root user, tini as
 * PID 1 with exec-form commands (so SIGTERM reaches node) and a HEALTHCHECK on /healthz. Also that
 * `node app/main.ts` imports no devDependency, since the image installs with `npm ci --omit=dev`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions with their continuation lines joined, numbered by build stage (0 = first FROM). */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage++;
    out.push({ keyword: upper, args: rest.join(' '), stage });
  }
  return out;
}

/** Top-level folders and bare package imports reached from a file through its static imports. */
function startPath(entry: string): { folders: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const imports = source.matchAll(
      /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
    );
    for (const match of imports) {
      if (match[1]) continue; // `import type` is erased by type stripping
      const specifier = match[2] ?? match[3];
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:'))
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  }
  const folders = new Set([...seen].map((file) => relative(root, file).split('/')[0]));
  return { folders, packages };
}

const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const stages = Math.max(...dockerfile.map((i) => i.stage)) + 1;
const final = dockerfile.filter((i) => i.stage === stages - 1);
const one = (keyword: string) => {
  const found = final.filter((i) => i.keyword === keyword);
  expect(found).toHaveLength(1);
  return found[0].args;
};
const execForm = (args: string): string[] => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('is multi-stage: dependencies are installed in a stage of their own, without devDependencies', () => {
    expect(stages).toBeGreaterThanOrEqual(2);
    const install = dockerfile.filter((i) => i.keyword === 'RUN' && /npm ci\b/.test(i.args));
    expect(install).toHaveLength(1);
    expect(install[0].stage).toBeLessThan(stages - 1);
    expect(install[0].args).toMatch(/--omit=dev/);
    expect(final.some((i) => i.keyword === 'COPY' && /--from=\S+\s+\S*node_modules/.test(i.args))).toBe(true);
  });

  it('is based on Node 24 in every stage', () => {
    const arg = dockerfile.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:24(-|$)/);
    for (const from of dockerfile.filter((i) => i.keyword === 'FROM'))
      expect(from.args).toMatch(/^(\$\{NODE_IMAGE\}|node:24)/);
  });

  it('runs as a non-root user', () => {
    const user = one('USER').split(':')[0];
    expect(['', 'root', '0']).not.toContain(user);
    // Numeric, so that Kubernetes' runAsNonRoot can verify it without a passwd lookup.
    expect(user).toMatch(/^[1-9][0-9]*$/);
  });

  it('puts tini in front of node and uses exec form, so SIGTERM reaches the app', () => {
    expect(execForm(one('ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(one('CMD'))).toEqual(['node', 'app/main.ts']);
    expect(one('STOPSIGNAL')).toBe('SIGTERM');
    expect(final.some((i) => i.keyword === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(true);
  });

  it('checks /healthz, declares the state dir a volume and listens on 8080', () => {
    const healthcheck = one('HEALTHCHECK');
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(healthcheck).toMatch(/\/healthz/);
    const stateDir = /STATE_DIR=(\S+)/.exec(final.find((i) => i.keyword === 'ENV')?.args ?? '')?.[1];
    expect(stateDir).toBeDefined();
    expect(execForm(one('VOLUME'))).toEqual([stateDir]);
    expect(one('EXPOSE')).toBe('8080');
  });

  it('copies every source folder that `node app/main.ts` imports', () => {
    const copied = new Set(
      final
        .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
        .map((i) => i.args.split(/\s+/)[0]),
    );
    for (const folder of startPath('app/main.ts').folders)
      expect([folder, copied.has(folder)]).toEqual([folder, true]);
  });

  it('starts with production dependencies only: the start path imports no devDependency', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const packages = [...startPath('app/main.ts').packages];
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it('has a .dockerignore that keeps the host node_modules, .git, state and tools out', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // An allow-list: everything is excluded, then the copied sources are let back in.
    expect(ignore[0]).toBe('*');
    for (const kept of ignore.slice(1)) expect(kept).not.toMatch(/node_modules|\.git|\.stack|\.tools/);
  });
});
