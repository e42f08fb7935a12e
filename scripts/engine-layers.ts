/**
 * The engine's import graph, read from the source text (no TypeScript program is built): which
 * engine folder imports which, and every import cycle between folders or between files.
 *
 * `npm run lint` runs it (`node scripts/engine-layers.ts`, `--graph` to print the folder graph): it
 * exits 1, with each cycle and the imports that close it printed, when the engine folders or files
 * no longer form a DAG. test/unit/architecture/engine-layers.test.ts holds the same check as a unit
 * test. Which folder may import which is eslint.config.js's no-restricted-imports.
 *
 * Folders are compared with their siblings: `topology/` with `state-stores/`, `runtime/kafka/` with
 * `runtime/internals/`. A folder's own files (`runtime/streams-app.ts`) may use its sub-folders and
 * be used by them; that is a parent and its child, not a cycle. Type-only imports count: a cycle of
 * types is still a cycle of files that cannot be understood, moved or tested one without the other.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The engine's top-level folders, from the ground floor up. */
export const ENGINE_FOLDERS = ['engine-common', 'state-stores', 'topology', 'runtime', 'testing'] as const;

/**
 * File cycles that may stay, each a set of files that import one another. The DSL's faces return
 * one another (`KStream.groupByKey()` a `KGroupedStream`, whose `count()` is a `KTable`, whose
 * `toStream()` is a `KStream` again), as Kafka Streams' own interfaces do; they stay in one folder
 * (topology/). A file cycle passes only inside one of these sets: one that reaches a file beyond
 * them (options.ts, the internals) fails the check.
 */
export const KNOWN_FILE_CYCLES: readonly (readonly string[])[] = [
  [
    'topology/branched-kstream.ts',
    'topology/kgrouped-stream.ts',
    'topology/kstream.ts',
    'topology/ktable.ts',
    'topology/session-windowed-kstream.ts',
    'topology/time-windowed-kstream.ts',
  ],
];

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

export interface EngineGraph {
  readonly files: readonly string[];
  readonly imports: readonly ImportEdge[];
  /** Sibling folder -> sibling folder, with the file imports behind each arrow. */
  readonly folders: ReadonlyMap<string, ReadonlyMap<string, readonly ImportEdge[]>>;
}

/** The repository root: the parent of scripts/. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

function listTsFiles(root: string, folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const rel = posix.join(folder, entry);
    if (statSync(join(root, rel)).isDirectory()) out.push(...listTsFiles(root, rel));
    else if (entry.endsWith('.ts')) out.push(rel);
  }
  return out;
}

// `import ... from '...'`, `export ... from '...'`, `import '...'` and `import('...')`, at the start of a
// statement so that a comment or a string that merely mentions an import is not taken for one.
const STATIC = /^[ \t]*(import|export)\b([^;'"`]*?)\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers of one source text, each with whether it imports types alone. */
export function parseImports(source: string): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(STATIC)) {
    const clause = m[2]!.trim();
    // `import type {...}`, `export type {...}`, or `{ type A, type B }` with every name a type.
    const names = /^\{([^}]*)\}$/.exec(clause)?.[1];
    const allTypes =
      names !== undefined &&
      names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0)
        .every((n) => n.startsWith('type '));
    out.push({ specifier: m[3]!, typeOnly: clause.startsWith('type ') || clause === 'type' || allTypes });
  }
  for (const m of source.matchAll(BARE)) out.push({ specifier: m[1]!, typeOnly: false });
  for (const m of source.matchAll(DYNAMIC)) out.push({ specifier: m[1]!, typeOnly: false });
  return out;
}

function resolve(root: string, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  for (const candidate of [target, `${target}.ts`, `${target}/index.ts`])
    if (existsSync(join(root, candidate)) && statSync(join(root, candidate)).isFile()) return candidate;
  return target;
}

/** The two sibling folders that an import between two files crosses, if it crosses any. */
export function siblingFolders(from: string, to: string): [string, string] | undefined {
  const a = from.split('/');
  const b = to.split('/');
  let i = 0;
  while (i < a.length - 1 && i < b.length - 1 && a[i] === b[i]) i++;
  // Either side a file of the common folder itself (a parent and its child), or the same folder.
  if (i === a.length - 1 || i === b.length - 1) return undefined;
  return [a.slice(0, i + 1).join('/'), b.slice(0, i + 1).join('/')];
}

export function readEngineGraph(root: string, folders: readonly string[] = ENGINE_FOLDERS): EngineGraph {
  const files = folders.flatMap((folder) => listTsFiles(root, folder));
  const inEngine = (path: string) => folders.some((folder) => path.startsWith(`${folder}/`));
  // One edge per pair of files: type-only when every import between them is.
  const byPair = new Map<string, ImportEdge>();
  for (const file of files)
    for (const { specifier, typeOnly } of parseImports(readFileSync(join(root, file), 'utf8'))) {
      const to = resolve(root, file, specifier);
      if (to === undefined || !inEngine(to)) continue;
      const key = `${file} ${to}`;
      byPair.set(key, { from: file, to, typeOnly: typeOnly && (byPair.get(key)?.typeOnly ?? true) });
    }
  const imports = [...byPair.values()];
  const byFolder = new Map<string, Map<string, ImportEdge[]>>();
  for (const edge of imports) {
    const pair = siblingFolders(edge.from, edge.to);
    if (pair === undefined) continue;
    const targets = byFolder.get(pair[0]) ?? new Map<string, ImportEdge[]>();
    byFolder.set(pair[0], targets);
    targets.set(pair[1], [...(targets.get(pair[1]) ?? []), edge]);
  }
  return { files, imports, folders: byFolder };
}

/** Strongly connected components of more than one node (Tarjan), each sorted, in a stable order. */
export function cycles(edges: ReadonlyMap<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const nodes = new Set<string>();
  for (const [from, tos] of edges) {
    nodes.add(from);
    for (const to of tos) nodes.add(to);
  }
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return out.sort((x, y) => x[0]!.localeCompare(y[0]!));
}

export function folderCycles(graph: EngineGraph): string[][] {
  return cycles(new Map([...graph.folders].map(([from, tos]) => [from, [...tos.keys()]])));
}

export function fileCycles(graph: EngineGraph): string[][] {
  const edges = new Map<string, string[]>();
  for (const { from, to } of graph.imports) edges.set(from, [...(edges.get(from) ?? []), to]);
  return cycles(edges);
}

/** The folder graph as lines `a -> b (n imports)`, and each cycle with the imports that close it. */
export function describe(graph: EngineGraph): { graph: string[]; problems: string[] } {
  const lines = [...graph.folders]
    .flatMap(([from, tos]) => [...tos].map(([to, edges]) => `${from} -> ${to} (${edges.length})`))
    .sort();
  const problems: string[] = [];
  for (const cycle of folderCycles(graph)) {
    problems.push(`folder cycle: ${cycle.join(', ')}`);
    for (const from of cycle)
      for (const [to, edges] of graph.folders.get(from) ?? [])
        if (cycle.includes(to))
          for (const edge of edges)
            problems.push(`  ${edge.from} -> ${edge.to}${edge.typeOnly ? ' (type)' : ''}`);
  }
  for (const cycle of fileCycles(graph)) {
    if (KNOWN_FILE_CYCLES.some((known) => cycle.every((file) => known.includes(file)))) continue;
    problems.push(`file cycle: ${cycle.join(', ')}`);
    for (const edge of graph.imports)
      if (cycle.includes(edge.from) && cycle.includes(edge.to))
        problems.push(`  ${edge.from} -> ${edge.to}${edge.typeOnly ? ' (type)' : ''}`);
  }
  return { graph: lines, problems };
}

// `node scripts/engine-layers.ts [--graph]`: exits 1 with the cycles printed; --graph also prints the
// folder graph.
if (import.meta.main) {
  const { graph, problems } = describe(readEngineGraph(REPO_ROOT));
  if (process.argv.includes('--graph')) process.stdout.write(`${graph.join('\n')}\n`);
  if (problems.length > 0) {
    process.stderr.write(`[engine-layers] import cycles in the engine:\n${problems.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `[engine-layers] ${ENGINE_FOLDERS.join(', ')}: no import cycle between folders or files\n`,
  );
}
