/**
 * One instance of the rebalance bench's application, run as its own process so it can be stopped
 * (SIGTERM) or killed (-9) like a pod: a stateful stream (latest value per key, in a logged RocksDB
 * store) whose output carries the input's value — the bench writes the intended send time there.
 *
 *   node bench/rebalance/instance.ts --bootstrap H:P --application-id A --input T --output T
 *     --instance ID --state-dir DIR [--standbys N] [--port N]
 */
import { parseArgs } from 'node:util';
import { StreamsApp, createLogger } from '../../runtime/index.ts';
import { Serdes, StreamsBuilder } from '../../topology/index.ts';

const HELP = `Usage: node bench/rebalance/instance.ts --bootstrap H:P --application-id A --input T
  --output T --instance ID --state-dir DIR [--standbys N] [--port N]
Prints "INSTANCE RUNNING" once its tasks run; SIGTERM closes it cleanly.`;

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    'application-id': { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    instance: { type: 'string' },
    'state-dir': { type: 'string' },
    standbys: { type: 'string', default: '0' },
    port: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const required = ['bootstrap', 'application-id', 'input', 'output', 'instance', 'state-dir'] as const;
if (values.help || required.some((k) => values[k] === undefined)) {
  process.stdout.write(`${HELP}\n`);
  process.exit(values.help ? 0 : 2);
}

const builder = new StreamsBuilder();
const strings = { keySerde: Serdes.String(), valueSerde: Serdes.String() };
builder
  .stream<string, string>(values.input as string, strings)
  .groupByKey()
  .reduce((_previous, latest) => latest, { storeName: 'latest' })
  .toStream()
  .to(values.output as string, strings);

const app = new StreamsApp(
  builder.build(),
  {
    applicationId: values['application-id'] as string,
    bootstrapServers: [values.bootstrap as string],
    stateDir: values['state-dir'] as string,
    instanceId: values.instance as string,
    numStandbyReplicas: Number(values.standbys),
    ...(values.port ? { applicationServer: `127.0.0.1:${values.port}` } : {}),
  },
  { logger: createLogger(`rebalance-${values.instance}`) },
);
app.installShutdownHooks?.();
await app.start();
process.stdout.write('INSTANCE RUNNING\n');
