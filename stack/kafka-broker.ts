import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaAdmin } from '../runtime/kafka/index.ts';
import { KAFKA_CONTROLLER_PORT, KAFKA_PORT } from './config.ts';
import { kafkaDir, repoRoot } from './paths.ts';
import { pidAlive, portOpen, run, say, startDetached, waitFor } from './process-tools.ts';

const POM = join(repoRoot, 'stack', 'kafka', 'pom.xml');
const classpathFile = join(kafkaDir, 'classpath.txt');
const classpathHashFile = join(kafkaDir, 'classpath.pom-sha256');
const dataDir = join(kafkaDir, 'data');
const logDir = join(kafkaDir, 'logs');
const pidFile = join(kafkaDir, 'broker.pid');
const propertiesFile = join(kafkaDir, 'server.properties');
const log4jFile = join(kafkaDir, 'log4j2.properties');

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

function writeConfig(): void {
  mkdirSync(logDir, { recursive: true });
  writeFileSync(
    propertiesFile,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}`,
      `listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${dataDir}`,
      // Topics are created by their owners, with the partitions and configs they need.
      'auto.create.topics.enable=false',
      'num.partitions=1',
      // One broker: internal topics with replication 1 and few partitions (fast start, little memory).
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=3',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // Groups form at once instead of waiting 3 s for more members: tests and demos start faster.
      'group.initial.rebalance.delay.ms=0',
      // Crashed test members leave the group in seconds, not the default 45 s.
      'group.consumer.min.session.timeout.ms=2000',
      'group.classic.min.session.timeout.ms=2000',
    ].join('\n') + '\n',
  );
  writeFileSync(
    log4jFile,
    [
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.file.ref=file',
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${join(logDir, 'server.log')}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      'logger.kafka.name=kafka',
      'logger.kafka.level=WARN',
      'logger.apache.name=org.apache.kafka',
      'logger.apache.level=WARN',
      // Transaction markers skipped or retried are the first thing to look at when exactly-once
      // breaks around a broker restart: keep the coordinator's INFO lines.
      'logger.txn.name=kafka.coordinator.transaction',
      'logger.txn.level=INFO',
      'logger.txnj.name=org.apache.kafka.coordinator.transaction',
      'logger.txnj.level=INFO',
    ].join('\n') + '\n',
  );
}

function readPid(): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return Number.isInteger(pid) && pidAlive(pid) ? pid : null;
}

/** True when a broker answers a real metadata request on our port. */
export async function kafkaReady(): Promise<boolean> {
  if (!(await portOpen(KAFKA_PORT))) return false;
  const admin = new KafkaAdmin({ clientId: 'stack-probe', bootstrapServers: [`127.0.0.1:${KAFKA_PORT}`] });
  try {
    await admin.ping();
    return true;
  } catch {
    return false;
  } finally {
    await admin.close();
  }
}

export async function startKafka(): Promise<void> {
  if (await kafkaReady()) {
    say(`Kafka already running on 127.0.0.1:${KAFKA_PORT}`);
    return;
  }
  const classpath = kafkaClasspath();
  writeConfig();
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    say('formatting KRaft storage');
    run('java', [
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      randomBytes(16).toString('base64url'),
      '-c',
      propertiesFile,
    ]);
  }
  const started = Date.now();
  const logFd = openSync(join(logDir, 'stdout.log'), 'a');
  const pid = startDetached(
    'java',
    [
      '-Xms256m',
      '-Xmx1g',
      `-Dlog4j2.configurationFile=${log4jFile}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propertiesFile,
    ],
    logFd,
  );
  writeFileSync(pidFile, String(pid));
  say(`Kafka starting (pid ${pid}), logs in ${logDir}`);
  await waitFor(
    async () => {
      if (!pidAlive(pid)) throw new Error(`Kafka exited during start; see ${join(logDir, 'stdout.log')}`);
      return kafkaReady();
    },
    90_000,
    'Kafka to answer metadata requests',
  );
  say(`Kafka ready in ${Date.now() - started} ms on 127.0.0.1:${KAFKA_PORT}`);
}

export async function stopKafka(): Promise<void> {
  const pid = readPid();
  if (pid === null) {
    say('Kafka not running (no live pid file)');
    return;
  }
  process.kill(pid, 'SIGTERM');
  await waitFor(async () => !pidAlive(pid), 60_000, 'Kafka to stop');
  say('Kafka stopped');
}

export function kafkaPid(): number | null {
  return readPid();
}
