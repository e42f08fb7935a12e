import { parseArgs } from 'node:util';
import { createLogger } from '../../../runtime/index.ts';
import { ConfigError } from '../../../topology/index.ts';
import { startFakeGateway, type FakeGatewayOptions } from './fake-gateway.ts';

const HELP = `Fake payment gateway (HTTP) for the demo and manual tests.

Usage: node connectors/fakes/payment-gateway/fake-gateway-cli.ts [options]

Options:
  --port <n>                 port to listen on (default 8090; 0 = any free port)
  --host <addr>              address to bind (default 127.0.0.1)
  --decline-rate <0..1>      probability of a random decline (402 do_not_honor), default 0
  --failure-rate <0..1>      probability of a 500 before charging (retryable), default 0
  --lost-response-rate <0..1> probability of charging but answering 502, default 0
  --latency-ms <n>           added to every request, default 0
  --decline-above <n>        decline amounts (minor units) above n with amount_too_large
  --seed <n>                 make random failures and declines reproducible
  --api-key <key>            require "Authorization: Bearer <key>"
  -h, --help                 show this help

Always declines paymentMethod "card_declined". Prints the base URL on stdout once listening.
Endpoints: POST /v1/charges, POST /v1/refunds (header Idempotency-Key), GET /v1/charges?idempotencyKey=`;

function numberOption(key: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new ConfigError(key, value, 'a number');
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'decline-rate': { type: 'string' },
      'failure-rate': { type: 'string' },
      'lost-response-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      'decline-above': { type: 'string' },
      seed: { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const options: FakeGatewayOptions = {
    port: numberOption('--port', values.port) ?? 8090,
    host: values.host ?? '127.0.0.1',
    declineRate: numberOption('--decline-rate', values['decline-rate']) ?? 0,
    failureRate: numberOption('--failure-rate', values['failure-rate']) ?? 0,
    lostResponseRate: numberOption('--lost-response-rate', values['lost-response-rate']) ?? 0,
    latencyMs: numberOption('--latency-ms', values['latency-ms']) ?? 0,
    declineAboveAmount: numberOption('--decline-above', values['decline-above']),
    seed: numberOption('--seed', values.seed),
    apiKey: values['api-key'],
  };
  const logger = createLogger('fake-gateway');
  const gateway = await startFakeGateway(options);
  process.stdout.write(`${gateway.url}\n`);
  logger.info(
    { url: gateway.url, ...options, apiKey: options.apiKey === undefined ? undefined : '***' },
    'fake gateway listening',
  );
  const stop = (signal: string) => {
    logger.info({ signal, stats: gateway.stats() }, 'fake gateway stopping');
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'fake gateway did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  // Exit 2 for usage errors (bad option or value), 1 for anything else, like most CLIs.
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  const usage =
    error instanceof ConfigError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
  process.exit(usage ? 2 : 1);
});
