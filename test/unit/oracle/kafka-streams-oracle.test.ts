/**
 * Kafka Streams as the oracle (issue 12, item 7): the reference topologies of test/oracle/ run on
 * our DSL and TopologyTestDriver, fed the same steps as Kafka Streams 4.4.0's own
 * TopologyTestDriver was; outputs are compared record by record (key, value, timestamp, order)
 * and `describe()` text for text with test/oracle/expected.json (recorded by
 * `npm run oracle:record`, checked against Kafka Streams by `npm run oracle:check`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOracleCase, type OracleCase, type OracleResult } from '../../oracle/topologies.ts';
import { memoryDslStoreSuppliers } from '../testing/support/memory-store.ts';

const oracleDir = join(dirname(fileURLToPath(import.meta.url)), '../../oracle');
const cases = (JSON.parse(readFileSync(join(oracleDir, 'cases.json'), 'utf8')) as { cases: OracleCase[] })
  .cases;
const expected = JSON.parse(readFileSync(join(oracleDir, 'expected.json'), 'utf8')) as Record<
  string,
  OracleResult
>;

type Aspect = 'outputs' | 'describe';

/**
 * Comparisons known to differ from Kafka Streams, left OUT of the comparison (reported as skipped,
 * never as passing). Each must still differ: the last test fails once one is fixed, so the entry
 * is removed and the comparison counts again.
 */
const EXCLUDED: Readonly<Record<string, Partial<Record<Aspect, string>>>> = {
  'tumbling-count-on-close': {
    outputs:
      'Kafka Streams never emits a window closed by a jump of stream time past the point where its window store (retention size + grace, counted from the latest window start put) stopped retaining it: here [100,200) and later windows are silently lost; we emit every window when it closes. tumbling-count-on-close-gradual (same topology, stream time in small steps) matches',
  },
  'hopping-count-on-close': {
    outputs: 'as tumbling-count-on-close; hopping-count-on-close-gradual matches',
  },
};

const ours = new Map<string, Promise<OracleResult>>();
function run(c: OracleCase): Promise<OracleResult> {
  let result = ours.get(c.name);
  if (!result) {
    result = runOracleCase(c, memoryDslStoreSuppliers);
    ours.set(c.name, result);
  }
  return result;
}

test('every case has a Kafka Streams result in expected.json, and nothing else does', () => {
  expect(Object.keys(expected).sort()).toEqual(cases.map((c) => c.name).sort());
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
  for (const aspect of ['outputs', 'describe'] as const) {
    const reason = EXCLUDED[name]?.[aspect];
    if (reason !== undefined) {
      test.skip(`${aspect} (excluded: ${reason})`, () => undefined);
      continue;
    }
    test(`${aspect} as Kafka Streams`, async () => {
      const result = await run(c);
      if (aspect === 'outputs') expect(result.outputs).toEqual(expected[name].outputs);
      else expect(result.describe).toBe(expected[name].describe);
    });
  }
});

test('every excluded comparison still differs from Kafka Streams (remove it from EXCLUDED once fixed)', async () => {
  for (const [name, aspects] of Object.entries(EXCLUDED)) {
    const c = cases.find((x) => x.name === name);
    expect(c).toBeDefined();
    const result = await run(c as OracleCase);
    for (const aspect of Object.keys(aspects) as Aspect[]) {
      expect({
        name,
        aspect,
        same: JSON.stringify(result[aspect]) === JSON.stringify(expected[name][aspect]),
      }).toEqual({
        name,
        aspect,
        same: false,
      });
    }
  }
});
