/**
 * The local stack: Apache Kafka (KRaft, from Maven Central jars; one broker or a cluster of three)
 * and PostgreSQL 15, optionally a schema registry, Prometheus and Jaeger, on 127.0.0.1 non-default
 * ports, data and logs in .stack/.
 */
import {
  JAEGER_OTLP_GRPC_PORT,
  JAEGER_OTLP_HTTP_PORT,
  JAEGER_QUERY_PORT,
  KAFKA_PORT,
  POSTGRES_PORT,
  PROMETHEUS_PORT,
  REGISTRY_PORT,
  stackConfig,
} from './config.ts';
import { jaegerStatus, startJaeger, stopJaeger } from './jaeger.ts';
import { kafkaStatus, startKafka, stopKafka } from './kafka-broker.ts';
import { BROKER_COUNTS } from './kafka-cluster.ts';
import { KAFKA_TOOLS, runKafkaTool } from './kafka-tools.ts';
import { postgresReady, startPostgres, stopPostgres } from './postgres.ts';
import { prometheusStatus, startPrometheus, stopPrometheus } from './prometheus.ts';
import { APICURIO_VERSION, registryStatus, startRegistry, stopRegistry } from './registry.ts';
import { stackDir } from './paths.ts';
import {
  SECURE_PORT_OFFSET,
  STACK_USERS,
  caFile,
  secureListenerAnswers,
  securePort,
  secureRecorded,
  securityDir,
} from './kafka-security.ts';

const HELP = `Usage: npm run stack:up [-- --brokers 3] [--registry] [--prometheus] [--jaeger] [--observability] [--secure]
       npm run stack:down | stack:status
       npm run kafka -- <tool> [tool args]

Commands:
  up        start Kafka (127.0.0.1:${KAFKA_PORT}) and PostgreSQL (127.0.0.1:${POSTGRES_PORT}) if not running
            --brokers 3   a KRaft cluster of three broker+controller nodes instead of one:
                          brokers on ${KAFKA_PORT}, ${KAFKA_PORT + 2}, ${KAFKA_PORT + 4}, controllers on ${KAFKA_PORT + 1}, ${KAFKA_PORT + 3}, ${KAFKA_PORT + 5};
                          replication factor 3 and min.insync.replicas 2 by default
                          (run the app with REPLICATION_FACTOR=3)
            --registry    also a schema registry: Apicurio Registry ${APICURIO_VERSION}, Confluent API on
                          http://127.0.0.1:${REGISTRY_PORT}/apis/ccompat/v7 (SCHEMA_REGISTRY_URL), in-memory;
                          first run fetches it with Maven and, on Java < 21, a Java runtime with pip
            --prometheus  also Prometheus (Debian package) on http://127.0.0.1:${PROMETHEUS_PORT}, scraping
                          the pipeline's /metrics every 2 s (PROMETHEUS_SCRAPE_TARGET, default
                          127.0.0.1:HTTP_PORT, 8080) with deploy/prometheus/alerts.yml loaded
            --jaeger      also Jaeger v2 (memory storage): OTLP/HTTP ${stackConfig.otlpEndpoint}
                          (OTEL_EXPORTER_OTLP_ENDPOINT), OTLP/gRPC 127.0.0.1:${JAEGER_OTLP_GRPC_PORT},
                          query API and UI http://127.0.0.1:${JAEGER_QUERY_PORT} (gRPC ${JAEGER_QUERY_PORT - 1});
                          first run builds it from its Go module into .tools/ (several minutes; see docs/tracing.md)
            --observability  --prometheus and --jaeger
            --secure      also a SASL_SSL listener (SCRAM-SHA-512/-256) on each broker port + ${SECURE_PORT_OFFSET}
                          (127.0.0.1:${KAFKA_PORT + SECURE_PORT_OFFSET}), TLS from a CA generated into ${securityDir}
                          (clients trust ca.pem: KAFKA_SSL_CA_FILE), SCRAM users ${STACK_USERS.join(', ')}
                          (passwords in <user>.password, 0600: KAFKA_SASL_PASSWORD_FILE) and least-privilege
                          ACLs per service (docs/security.md); PLAINTEXT stays as it is. Kept across
                          restarts until a plain "up" of a stopped stack; a running plain broker is restarted
  down      stop all (one broker or all three, PostgreSQL, the registry, Prometheus and Jaeger if running)
  status    say what is running, each Kafka node on its own line
  kafka     run a real Apache Kafka CLI tool with the stack's bootstrap server:
            ${Object.keys(KAFKA_TOOLS).join(', ')}
            e.g. npm run kafka -- console-producer --topic orders
                 npm run kafka -- topics --list

Data and logs: ${stackDir}
Environment: KAFKA_BOOTSTRAP, DATABASE_URL, STACK_DIR, PG_BIN,
             STACK_KAFKA_PORT [19092], STACK_POSTGRES_PORT [15432], STACK_REGISTRY_PORT [18081],
             STACK_PROMETHEUS_PORT [19090], PROMETHEUS_SCRAPE_TARGET [127.0.0.1:HTTP_PORT],
             STACK_JAEGER_OTLP_GRPC_PORT [14317], STACK_JAEGER_OTLP_HTTP_PORT [14318],
             STACK_JAEGER_QUERY_PORT [16686]
             (with STACK_DIR, a second stack beside the first)`;

/** `--brokers N` (or `--brokers=N`) from the arguments of `up`; one broker when absent. */
function brokerCount(args: readonly string[]): number {
  const at = args.findIndex((a) => a === '--brokers' || a.startsWith('--brokers='));
  if (at === -1) return 1;
  const raw = args[at]?.includes('=') ? args[at]?.split('=')[1] : args[at + 1];
  const count = Number(raw);
  if (!(BROKER_COUNTS as readonly number[]).includes(count))
    throw new Error(`--brokers ${raw ?? ''}: expected one of ${BROKER_COUNTS.join(', ')}`);
  return count;
}

async function status(): Promise<number> {
  const [nodes, postgres, registry, prometheus, jaeger] = await Promise.all([
    kafkaStatus(),
    postgresReady(),
    registryStatus(),
    prometheusStatus(),
    jaegerStatus(),
  ]);
  for (const { node, pid, up } of nodes) {
    const name = (nodes.length > 1 ? `kafka ${node.id}` : 'kafka').padEnd(11);
    process.stdout.write(
      `${name}${up ? 'up' : 'down'}  127.0.0.1:${node.port}${pid ? ` (pid ${pid})` : ''}\n`,
    );
  }
  process.stdout.write(
    `postgres   ${postgres ? 'up' : 'down'}  ${stackConfig.databaseUrl.replace(/:[^:@/]+@/, ':***@')}\n`,
  );
  // The registry is opt-in: when down it is reported but does not fail the status.
  process.stdout.write(
    `registry   ${registry.up ? 'up' : 'down'}  ${registry.url}${registry.pid ? ` (pid ${registry.pid})` : ''}\n`,
  );
  process.stdout.write(
    `prometheus ${prometheus.up ? 'up' : 'down'}  ${prometheus.url}${prometheus.pid ? ` (pid ${prometheus.pid})` : ''}\n`,
  );
  process.stdout.write(
    `jaeger     ${jaeger.up ? 'up' : 'down'}  ${jaeger.url} (OTLP 127.0.0.1:${JAEGER_OTLP_HTTP_PORT})${jaeger.pid ? ` (pid ${jaeger.pid})` : ''}\n`,
  );
  // The secure listener is opt-in: reported when the stack was started with it (or it answers).
  const secure = await Promise.all(nodes.map(({ node }) => secureListenerAnswers(securePort(node))));
  if (secureRecorded() || secure.some(Boolean))
    nodes.forEach(({ node }, i) =>
      process.stdout.write(
        `${(nodes.length > 1 ? `sasl_ssl ${node.id}` : 'sasl_ssl').padEnd(11)}${secure[i] ? 'up' : 'down'}  127.0.0.1:${securePort(node)} (SCRAM-SHA-512, CA ${caFile})\n`,
      ),
    );
  const secureOk = !secureRecorded() || secure.every(Boolean);
  return nodes.every((n) => n.up) && postgres && secureOk ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${HELP}\n`);
        return 0;
      }
      await startKafka(brokerCount(rest), rest.includes('--secure'));
      await startPostgres();
      if (rest.includes('--registry')) await startRegistry();
      if (rest.includes('--prometheus') || rest.includes('--observability')) await startPrometheus();
      if (rest.includes('--jaeger') || rest.includes('--observability')) await startJaeger();
      return 0;
    case 'down':
      await stopKafka();
      await stopPostgres();
      await stopRegistry();
      await stopPrometheus();
      await stopJaeger();
      return 0;
    case 'status':
      return status();
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
