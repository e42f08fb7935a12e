/**
 * Kafka Streams as the oracle (issue 12, item 7). Builds test/oracle/java (Maven: offline first,
 * online if that fails), runs the cases of test/oracle/cases.json in Kafka Streams' own
 * TopologyTestDriver, and
 *   - `record` (npm run oracle:record): writes the results to test/oracle/expected.json;
 *   - `check`  (npm run oracle:check):  fails if test/oracle/expected.json differs from what Kafka
 *     Streams produces now (stale after a change to cases.json or to the Java topologies).
 * The jest test test/unit/oracle/kafka-streams-oracle.test.ts compares our engine with
 * expected.json, so it needs neither Java nor Maven.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const javaDir = join(root, 'test/oracle/java');
const casesPath = join(root, 'test/oracle/cases.json');
const expectedPath = join(root, 'test/oracle/expected.json');

function build(): void {
  const offline = spawnSync('mvn', ['-q', '-o', 'package'], { cwd: javaDir, encoding: 'utf8' });
  if (offline.status === 0) return;
  process.stderr.write('oracle: offline Maven build failed, trying online\n');
  const online = spawnSync('mvn', ['-q', 'package'], { cwd: javaDir, encoding: 'utf8' });
  if (online.status !== 0) {
    process.stderr.write(`${online.stdout}${online.stderr}`);
    throw new Error(`mvn package failed in ${javaDir} (exit ${online.status})`);
  }
}

function runKafkaStreams(): unknown {
  const classpath = readFileSync(join(javaDir, 'target/classpath.txt'), 'utf8').trim();
  const run = spawnSync(
    'java',
    ['-cp', `${join(javaDir, 'target/classes')}:${classpath}`, 'oracle.Oracle', casesPath],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    throw new Error(`oracle.Oracle failed (exit ${run.status})`);
  }
  return JSON.parse(run.stdout) as unknown;
}

const mode = process.argv[2];
if (mode !== 'record' && mode !== 'check') {
  process.stderr.write('usage: node scripts/oracle.ts record|check\n');
  process.exit(2);
}
build();
const actual = runKafkaStreams();
if (mode === 'record') {
  writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
  process.stdout.write(`oracle: wrote ${expectedPath}\n`);
} else {
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as unknown;
  if (!isDeepStrictEqual(expected, actual)) {
    process.stderr.write(
      'oracle: test/oracle/expected.json is stale (Kafka Streams now answers differently); run npm run oracle:record\n',
    );
    process.exit(1);
  }
  process.stdout.write('oracle: test/oracle/expected.json matches Kafka Streams\n');
}
