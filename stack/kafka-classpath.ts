import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaDir, repoRoot } from './paths.ts';
import { run, say } from './process-tools.ts';

const POM = join(repoRoot, 'stack', 'kafka', 'pom.xml');
const classpathFile = join(kafkaDir, 'classpath.txt');
const classpathHashFile = join(kafkaDir, 'classpath.pom-sha256');

/** The jars of Apache Kafka (broker + CLI tools), resolved by Maven from stack/kafka/pom.xml, cached until the pom changes. */
export function kafkaClasspath(): string {
  mkdirSync(kafkaDir, { recursive: true });
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (
    existsSync(classpathFile) &&
    existsSync(classpathHashFile) &&
    readFileSync(classpathHashFile, 'utf8') === pomHash
  ) {
    return readFileSync(classpathFile, 'utf8').trim();
  }
  say('resolving Apache Kafka jars with Maven (first run only)…');
  run('mvn', ['-q', '-B', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], {
    stdio: 'inherit',
  });
  writeFileSync(classpathHashFile, pomHash);
  return readFileSync(classpathFile, 'utf8').trim();
}
