import {
  ENGINE_FOLDERS,
  REPO_ROOT,
  cycles,
  describe as describeGraph,
  fileCycles,
  folderCycles,
  parseImports,
  readEngineGraph,
  siblingFolders,
} from '../../../scripts/engine-layers.ts';

describe('the engine folders form a DAG (scripts/engine-layers.ts, also run by npm run lint)', () => {
  const graph = readEngineGraph(REPO_ROOT);

  test('no import cycle between engine folders or files', () => {
    const { problems } = describeGraph(graph);
    if (problems.length > 0) throw new Error(`import cycles in the engine:\n${problems.join('\n')}`);
  });

  test('every import between top-level engine folders points down the floors', () => {
    const floor = (folder: string) => ENGINE_FOLDERS.indexOf(folder as (typeof ENGINE_FOLDERS)[number]);
    const upward = [...graph.folders]
      .filter(([from]) => !from.includes('/'))
      .flatMap(([from, tos]) =>
        [...tos.keys()].filter((to) => floor(to) >= floor(from)).map((to) => `${from} -> ${to}`),
      );
    expect(upward).toEqual([]);
  });

  test('engine-common/ imports no other engine folder, and nothing but tests imports testing/', () => {
    expect([...(graph.folders.get('engine-common')?.keys() ?? [])]).toEqual([]);
    const intoTesting = graph.imports.filter(
      (e) => e.to.startsWith('testing/') && !e.from.startsWith('testing/'),
    );
    expect(intoTesting).toEqual([]);
  });

  test('the graph is read: the engine has its files and folder arrows', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.folders.get('topology')?.has('state-stores')).toBe(true);
    expect(graph.folders.get('runtime/kafka')?.has('runtime/ports')).toBe(true);
  });
});

describe('the cycle check itself', () => {
  test('parses static, re-export, side-effect and import() specifiers, and tells type-only ones', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "import {\n  type C,\n  type D,\n} from './cd.ts';",
      "export * from './e.ts';",
      "export type { F } from './f.ts';",
      "import './g.ts';",
      "let h: import('./h.ts').H;",
      "// import { x } from './comment.ts'; is not at a statement start",
      'const s = "from \'./string.ts\'";',
    ].join('\n');
    expect(parseImports(source)).toEqual([
      { specifier: './a.ts', typeOnly: false },
      { specifier: '../b.ts', typeOnly: true },
      { specifier: './cd.ts', typeOnly: true },
      { specifier: './e.ts', typeOnly: false },
      { specifier: './f.ts', typeOnly: true },
      { specifier: './g.ts', typeOnly: false },
      { specifier: './h.ts', typeOnly: false },
    ]);
  });

  test('compares sibling folders; a folder and its own files are parent and child', () => {
    expect(siblingFolders('state-stores/stores.ts', 'topology/kstream.ts')).toEqual([
      'state-stores',
      'topology',
    ]);
    expect(siblingFolders('runtime/kafka/fetcher.ts', 'runtime/internals/ports.ts')).toEqual([
      'runtime/kafka',
      'runtime/internals',
    ]);
    expect(siblingFolders('runtime/internals/committer.ts', 'runtime/config.ts')).toBeUndefined();
    expect(siblingFolders('topology/kstream.ts', 'topology/ktable.ts')).toBeUndefined();
  });

  test('finds a cycle and leaves a DAG alone', () => {
    const loop = new Map([
      ['topology', ['state-stores']],
      ['state-stores', ['engine-common', 'topology']],
    ]);
    expect(cycles(loop)).toEqual([['state-stores', 'topology']]);
    expect(
      cycles(
        new Map([
          ['topology', ['state-stores']],
          ['state-stores', ['engine-common']],
        ]),
      ),
    ).toEqual([]);
  });

  test('reports the cycles that the engine had before the ground floor', () => {
    const before = {
      files: [],
      imports: [
        { from: 'state-stores/stores.ts', to: 'topology/serde.ts', typeOnly: true },
        { from: 'topology/kstream.ts', to: 'state-stores/state-store.ts', typeOnly: true },
        { from: 'topology/options.ts', to: 'topology/kstream.ts', typeOnly: true },
        { from: 'topology/kstream.ts', to: 'topology/options.ts', typeOnly: true },
      ],
      folders: new Map([
        [
          'state-stores',
          new Map([
            ['topology', [{ from: 'state-stores/stores.ts', to: 'topology/serde.ts', typeOnly: true }]],
          ]),
        ],
        [
          'topology',
          new Map([
            [
              'state-stores',
              [{ from: 'topology/kstream.ts', to: 'state-stores/state-store.ts', typeOnly: true }],
            ],
          ]),
        ],
      ]),
    };
    expect(folderCycles(before)).toEqual([['state-stores', 'topology']]);
    expect(fileCycles(before)).toEqual([['topology/kstream.ts', 'topology/options.ts']]);
    expect(describeGraph(before).problems).toEqual([
      'folder cycle: state-stores, topology',
      '  state-stores/stores.ts -> topology/serde.ts (type)',
      '  topology/kstream.ts -> state-stores/state-store.ts (type)',
      'file cycle: topology/kstream.ts, topology/options.ts',
      '  topology/options.ts -> topology/kstream.ts (type)',
      '  topology/kstream.ts -> topology/options.ts (type)',
    ]);
  });
});
