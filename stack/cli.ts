/**
 * The local stack: Apache Kafka (KRaft, from Maven Central jars) and PostgreSQL 15, on 127.0.0.1
 * non-default ports, data and logs in .stack/.
 */
import { stackConfig } from './config.ts';
import { kafkaPid, kafkaReady, startKafka, stopKafka } from './kafka-broker.ts';
import { KAFKA_TOOLS, runKafkaTool } from './kafka-tools.ts';
import { postgresReady, startPostgres, stopPostgres } from './postgres.ts';
import { stackDir } from './paths.ts';

const HELP = `Usage: npm run stack:up | stack:down | stack:status
       npm run kafka -- <tool> [tool args]

Commands:
  up        start Kafka (127.0.0.1:19092) and PostgreSQL (127.0.0.1:15432) if not running
  down      stop both
  status    say what is running
  kafka     run a real Apache Kafka CLI tool with the stack's bootstrap server:
            ${Object.keys(KAFKA_TOOLS).join(', ')}
            e.g. npm run kafka -- console-producer --topic orders
                 npm run kafka -- topics --list

Data and logs: ${stackDir}
Environment: KAFKA_BOOTSTRAP, DATABASE_URL, STACK_DIR, PG_BIN`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await startKafka();
      await startPostgres();
      return 0;
    case 'down':
      await stopKafka();
      await stopPostgres();
      return 0;
    case 'status': {
      const [kafka, postgres] = await Promise.all([kafkaReady(), postgresReady()]);
      const pid = kafkaPid();
      process.stdout.write(
        `kafka      ${kafka ? 'up' : 'down'}  ${stackConfig.kafkaBootstrap}${pid ? ` (pid ${pid})` : ''}\n`,
      );
      process.stdout.write(
        `postgres   ${postgres ? 'up' : 'down'}  ${stackConfig.databaseUrl.replace(/:[^:@/]+@/, ':***@')}\n`,
      );
      return kafka && postgres ? 0 : 1;
    }
    case 'kafka': {
      const [tool, ...args] = rest;
      if (!tool || tool === '--help' || tool === '-h') {
        process.stdout.write(`${HELP}\n`);
        return tool ? 0 : 2;
      }
      return runKafkaTool(tool, args);
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`Unknown command ${command}\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[stack] ${(error as Error).message}\n`);
    process.exit(1);
  },
);
