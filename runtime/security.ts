import { ConfigError } from '../engine-common/errors.ts';

/** Kafka's `security.protocol`: whether connections are encrypted (SSL) and authenticated (SASL). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Kafka's `sasl.mechanism`, those this engine's client speaks with a user name and a password. */
export const SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** PEM text (not file names: the caller reads the files, so a missing one fails at start-up). */
export interface TlsSettings {
  /** CA certificate(s) the broker's certificate must chain to; the system's CAs when absent. */
  readonly ca?: string;
  /** Client certificate and key, for brokers that ask for one (`ssl.client.auth`). */
  readonly cert?: string;
  readonly key?: string;
}

/**
 * How every connection of a StreamsApp (and KafkaClient) authenticates and encrypts, as Kafka's
 * `security.protocol`, `sasl.*` and `ssl.*` settings do. PLAINTEXT when absent.
 *
 * @example
 * { protocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-512', username: 'payment-svc', password },
 *   tls: { ca: readFileSync('.stack/security/ca.pem', 'utf8') } }
 */
export interface KafkaSecurity {
  readonly protocol: SecurityProtocol;
  readonly sasl?: SaslCredentials;
  readonly tls?: TlsSettings;
}

export const usesTls = (protocol: SecurityProtocol): boolean => protocol === 'SSL' || protocol === 'SASL_SSL';
export const usesSasl = (protocol: SecurityProtocol): boolean => protocol.startsWith('SASL_');

/** Throws a ConfigError naming the key, the value and what is allowed when the settings do not fit together. */
export function validateKafkaSecurity(security: KafkaSecurity, keyPrefix = 'security'): KafkaSecurity {
  const { protocol, sasl, tls } = security;
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol))
    throw new ConfigError(`${keyPrefix}.protocol`, protocol, `one of ${SECURITY_PROTOCOLS.join(', ')}`);
  if (usesSasl(protocol)) {
    if (!sasl)
      throw new ConfigError(`${keyPrefix}.sasl`, sasl, `SASL credentials: ${protocol} authenticates`);
    if (!(SASL_MECHANISMS as readonly string[]).includes(sasl.mechanism))
      throw new ConfigError(
        `${keyPrefix}.sasl.mechanism`,
        sasl.mechanism,
        `one of ${SASL_MECHANISMS.join(', ')}`,
      );
    if (!sasl.username) throw new ConfigError(`${keyPrefix}.sasl.username`, sasl.username, 'a user name');
    if (!sasl.password) throw new ConfigError(`${keyPrefix}.sasl.password`, '***', 'a password');
  } else if (sasl) {
    throw new ConfigError(`${keyPrefix}.sasl`, sasl.username, `no SASL credentials with ${protocol}`);
  }
  if (tls && !usesTls(protocol))
    throw new ConfigError(`${keyPrefix}.tls`, Object.keys(tls), `no TLS settings with ${protocol}`);
  if (tls && Boolean(tls.cert) !== Boolean(tls.key))
    throw new ConfigError(`${keyPrefix}.tls`, Object.keys(tls), 'a client certificate and its key together');
  return security;
}

/** Who the broker will see us as: for messages that say who was refused. */
export function principalName(security: KafkaSecurity | undefined): string {
  if (security?.sasl) return security.sasl.username;
  if (security && usesTls(security.protocol) && security.tls?.cert) return 'the TLS client principal';
  return 'ANONYMOUS';
}
