import { spawn } from 'node:child_process';
import { kafkaClasspath } from './kafka-classpath.ts';
import { stackConfig } from './config.ts';

/** The real Apache Kafka command-line tools, by the names of their shell scripts. */
export const KAFKA_TOOLS: Record<string, string> = {
  'console-producer': 'org.apache.kafka.tools.ConsoleProducer',
  'console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  topics: 'org.apache.kafka.tools.TopicCommand',
  'consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'producer-perf-test': 'org.apache.kafka.tools.ProducerPerformance',
  'get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  configs: 'org.apache.kafka.tools.ConfigCommand',
};

/** Adds `--bootstrap-server` (the stack's) unless the caller gave one; producer-perf-test takes it as a property. */
function withBootstrap(tool: string, args: readonly string[], bootstrap: string): string[] {
  if (args.includes('--bootstrap-server') || args.some((a) => a.startsWith('bootstrap.servers=')))
    return [...args];
  if (tool === 'producer-perf-test') return [...args, '--producer-props', `bootstrap.servers=${bootstrap}`];
  return ['--bootstrap-server', bootstrap, ...args];
}

/** Runs a Kafka tool with inherited stdio; resolves with its exit code. */
export function runKafkaTool(
  tool: string,
  args: readonly string[],
  bootstrap = stackConfig.kafkaBootstrap,
): Promise<number> {
  const main = KAFKA_TOOLS[tool];
  if (!main) throw new Error(`Unknown Kafka tool ${tool}; known: ${Object.keys(KAFKA_TOOLS).join(', ')}`);
  const child = spawn('java', ['-cp', kafkaClasspath(), main, ...withBootstrap(tool, args, bootstrap)], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Pipes lines into the REAL kafka-console-producer (org.apache.kafka.tools.ConsoleProducer), as a
 * user typing orders would. With `keySeparator`, each line is `key<sep>value`.
 */
export function runConsoleProducer(options: {
  topic: string;
  lines: readonly string[];
  keySeparator?: string;
  bootstrap?: string;
}): Promise<void> {
  const args = ['--topic', options.topic];
  if (options.keySeparator)
    args.push('--property', 'parse.key=true', '--property', `key.separator=${options.keySeparator}`);
  const child = spawn(
    'java',
    [
      '-cp',
      kafkaClasspath(),
      KAFKA_TOOLS['console-producer'] as string,
      ...withBootstrap('console-producer', args, options.bootstrap ?? stackConfig.kafkaBootstrap),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(options.lines.map((line) => `${line}\n`).join(''));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`console-producer exited ${code}: ${output}`)),
    );
  });
}
