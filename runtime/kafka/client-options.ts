import type { ConnectionOptions } from '@platformatic/kafka';
import { usesTls, type KafkaSecurity } from '../security.ts';

/** Settings shared by every client this module creates. */
export interface ClientSettings {
  readonly clientId: string;
  readonly bootstrapServers: readonly string[];
  /** PLAINTEXT when absent. */
  readonly security?: KafkaSecurity;
}

/**
 * TLS and SASL options of one connection, for the clients (through baseOptions) and for the
 * connections this module opens itself (fetcher, offsets, transactional offsets, hanging
 * transactions): a raw connection without them would be the one door left unauthenticated.
 */
export function connectionOptions(
  security: KafkaSecurity | undefined,
): Pick<ConnectionOptions, 'tls' | 'sasl'> {
  if (!security) return {};
  const { protocol, sasl, tls } = security;
  return {
    ...(usesTls(protocol)
      ? {
          tls: {
            ...(tls?.ca ? { ca: tls.ca } : {}),
            ...(tls?.cert ? { cert: tls.cert } : {}),
            ...(tls?.key ? { key: tls.key } : {}),
            // Never off: a broker that cannot prove who it is must not get our credentials.
            rejectUnauthorized: true,
          },
        }
      : {}),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
      : {}),
  };
}

/** The SASL user of a connection's options (what the broker calls us), or ANONYMOUS. */
export function principalOf(options: Pick<ConnectionOptions, 'sasl'>): string {
  const username = options.sasl?.username;
  return typeof username === 'string' ? username : 'ANONYMOUS';
}

export function baseOptions(settings: ClientSettings, suffix: string) {
  return {
    clientId: `${settings.clientId}-${suffix}`,
    bootstrapBrokers: [...settings.bootstrapServers],
    ...connectionOptions(settings.security),
    // Exponential from 10 ms: a new transaction that meets the previous one's markers still being
    // written (CONCURRENT_TRANSACTIONS) succeeds a few ms later, and a flat 500 ms delay there cost
    // half a second per hop. Capped at 1 s, 15 tries ride out a broker restart (~10 s in all).
    retries: 15,
    retryDelay: (_client: unknown, _operation: string, attempt: number) =>
      Math.min(1000, 10 * 2 ** Math.max(0, attempt - 1)),
    // Requests are local and small; 30 s only bounds a wedged connection.
    timeout: 30_000,
  };
}
