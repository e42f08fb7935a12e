/**
 * The arguments of `npm run app:reset` (app/reset-cli.ts). Pure, unit-tested.
 */
import { parseArgs } from 'node:util';
import { PIPELINE_SETTINGS } from '../config.ts';

export interface ResetRequest {
  readonly applicationId: string;
  /** Reset the saga's four application ids (core, -payment, -notification, -read-model) together. */
  readonly saga: boolean;
  /** Input topics given with --input-topics (without --saga; the saga knows its own). */
  readonly inputTopics: readonly string[];
  /** TOPIC_PREFIX of the saga's topics (--saga only). */
  readonly topicPrefix: string;
  readonly stateDir: string;
  readonly bootstrapServers: readonly string[];
  readonly dryRun: boolean;
}

export class ResetUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResetUsageError';
  }
}

export const RESET_HELP = `Usage: npm run app:reset -- --application-id ID [--input-topics a,b] [--saga] [--topic-prefix P]
                            [--state-dir DIR] [--bootstrap HOST:PORT[,...]] [--dry-run]

Kafka Streams' application reset tool for this engine. Stop every instance first: it refuses while
a consumer group it resets has members. Then, for each application id:
  1. its committed offsets on the input topics go to the earliest offset (the log start);
  2. its committed offsets on the topics deleted in 3 are dropped;
  3. its internal topics are deleted: <ID>-...-repartition and <ID>-...-changelog (not those of
     another application id that starts with <ID>-, e.g. <ID>-payment when that group exists);
  4. its local state directory STATE_DIR/<ID> is removed (on this machine: run the tool, or
     delete the directory, on every machine that ran an instance).
Output topics are left as they are: reprocessing appends to them.

  --application-id ID   the application id (the consumer group); required
  --input-topics a,b    its input topics, reset to earliest (without them, only 2-4 happen)
  --saga                the e-commerce saga: ID, ID-payment, ID-notification and ID-read-model
                        together. Inputs: orders and stock (core), order-status (read model).
                        Deleted: every changelog and repartition topic of the four, and the saga's
                        loop topics (<prefix><ID>-{reservation,payment}-{requests,results}-repartition,
                        <prefix><ID>-notification-requests-repartition): they hold the requests
                        in flight between the services, which the reprocessed orders make again.
                        The read model's PostgreSQL table keeps its own offsets (sink_offsets) and
                        is not touched: TRUNCATE orders_read_model, sink_offsets to rebuild it.
  --topic-prefix P      TOPIC_PREFIX of the saga's topics (default TOPIC_PREFIX, else none)
  --state-dir DIR       STATE_DIR of the instances (default STATE_DIR, else ./.stack/state)
  --bootstrap H:P,...   brokers (default KAFKA_BOOTSTRAP, else 127.0.0.1:19092); KAFKA_SECURITY_PROTOCOL,
                        KAFKA_SASL_* and KAFKA_SSL_* are read as the pipeline reads them
  --dry-run             print exactly what would be done, change nothing
  -h, --help            this text

Exit codes: 0 done (or planned), 1 refused (active members) or failed, 2 bad arguments.`;

/** The request the arguments make; ResetUsageError when they make none. */
export function parseResetArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ResetRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        'application-id': { type: 'string' },
        'input-topics': { type: 'string' },
        saga: { type: 'boolean' },
        'topic-prefix': { type: 'string' },
        'state-dir': { type: 'string' },
        bootstrap: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ResetUsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const applicationId = values['application-id'];
  if (!applicationId) throw new ResetUsageError('--application-id ID is required');
  const saga = values.saga ?? false;
  const inputTopics = (values['input-topics'] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (saga && inputTopics.length > 0)
    throw new ResetUsageError(
      '--saga knows its input topics (orders, stock, order-status): leave out --input-topics',
    );
  if (!saga && values['topic-prefix'] !== undefined)
    throw new ResetUsageError('--topic-prefix only goes with --saga');
  const bootstrap = values.bootstrap ?? env.KAFKA_BOOTSTRAP;
  return {
    applicationId,
    saga,
    inputTopics,
    topicPrefix: saga ? (values['topic-prefix'] ?? env.TOPIC_PREFIX ?? '') : '',
    stateDir: values['state-dir'] ?? PIPELINE_SETTINGS.stateDir.parse(env, undefined),
    bootstrapServers: PIPELINE_SETTINGS.bootstrapServers.parse(
      bootstrap === undefined ? {} : { KAFKA_BOOTSTRAP: bootstrap },
      undefined,
    ),
    dryRun: values['dry-run'] ?? false,
  };
}
