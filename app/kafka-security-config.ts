import { readFileSync } from 'node:fs';
import { ConfigError } from '../topology/index.ts';
import {
  SASL_MECHANISMS,
  SECURITY_PROTOCOLS,
  validateKafkaSecurity,
  type KafkaSecurity,
  type SaslMechanism,
  type SecurityProtocol,
} from '../runtime/index.ts';

/** Reads a file named by a setting; the default reads from disk, tests pass their own. */
export type ReadSecretFile = (path: string) => string;

const readFromDisk: ReadSecretFile = (path) => readFileSync(path, 'utf8');

/**
 * KAFKA_SECURITY_PROTOCOL when set; otherwise what the Helm chart's older switches say (KAFKA_TLS,
 * and a SASL mechanism or user name), so a deployment that set those keeps meaning the same.
 */
function protocolFrom(env: NodeJS.ProcessEnv): SecurityProtocol {
  const tlsFlag = env.KAFKA_TLS?.trim().toLowerCase();
  if (tlsFlag !== undefined && tlsFlag !== '' && tlsFlag !== 'true' && tlsFlag !== 'false')
    throw new ConfigError('KAFKA_TLS', env.KAFKA_TLS, 'true or false (or set KAFKA_SECURITY_PROTOCOL)');
  const raw = env.KAFKA_SECURITY_PROTOCOL?.trim();
  if (raw) {
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(raw))
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', raw, `one of ${SECURITY_PROTOCOLS.join(', ')}`);
    const protocol = raw as SecurityProtocol;
    const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
    if (tlsFlag === 'true' && !tls)
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', raw, 'SSL or SASL_SSL, since KAFKA_TLS=true');
    return protocol;
  }
  const sasl = Boolean(env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_USERNAME_FILE);
  if (tlsFlag === 'true') return sasl ? 'SASL_SSL' : 'SSL';
  return sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
}

/** `KEY` or the contents of the file `KEY_FILE` names (a mounted Secret), trimmed; never both. */
export function valueOrFile(
  env: NodeJS.ProcessEnv,
  key: string,
  read: ReadSecretFile,
  secret: boolean,
): string | undefined {
  const direct = env[key];
  const file = env[`${key}_FILE`];
  if (direct && file)
    throw new ConfigError(key, secret ? '***' : direct, `either ${key} or ${key}_FILE, not both`);
  if (file) return readNamedFile(`${key}_FILE`, file, read).trim();
  return direct === '' ? undefined : direct;
}

function readNamedFile(key: string, path: string, read: ReadSecretFile): string {
  try {
    return read(path);
  } catch (error) {
    throw new ConfigError(
      key,
      path,
      `a readable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/**
 * The Kafka security settings from the environment, validated: null for PLAINTEXT. Errors name the
 * key, the value (passwords masked) and what is allowed.
 */
export function kafkaSecurityFromEnv(
  env: NodeJS.ProcessEnv,
  read: ReadSecretFile = readFromDisk,
): KafkaSecurity | null {
  const protocol = protocolFrom(env);
  const sasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const saslKeys = [
    'KAFKA_SASL_USERNAME',
    'KAFKA_SASL_USERNAME_FILE',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_SASL_PASSWORD_FILE',
  ];
  const tlsKeys = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'];
  // A credential given to a protocol that ignores it is a deployment mistake, not a default.
  for (const key of sasl ? [] : saslKeys)
    if (env[key])
      throw new ConfigError(
        'KAFKA_SECURITY_PROTOCOL',
        protocol,
        `SASL_SSL or SASL_PLAINTEXT, since ${key} is set`,
      );
  for (const key of tls ? [] : tlsKeys)
    if (env[key])
      throw new ConfigError('KAFKA_SECURITY_PROTOCOL', protocol, `SSL or SASL_SSL, since ${key} is set`);
  if (protocol === 'PLAINTEXT') return null;

  let credentials: KafkaSecurity['sasl'];
  if (sasl) {
    const mechanism = env.KAFKA_SASL_MECHANISM?.trim() || 'SCRAM-SHA-512';
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      throw new ConfigError('KAFKA_SASL_MECHANISM', mechanism, `one of ${SASL_MECHANISMS.join(', ')}`);
    const username = valueOrFile(env, 'KAFKA_SASL_USERNAME', read, false);
    const password = valueOrFile(env, 'KAFKA_SASL_PASSWORD', read, true);
    if (!username)
      throw new ConfigError('KAFKA_SASL_USERNAME', username, `a user name: ${protocol} authenticates`);
    if (!password)
      throw new ConfigError(
        'KAFKA_SASL_PASSWORD',
        password,
        `a password (or KAFKA_SASL_PASSWORD_FILE): ${protocol} authenticates`,
      );
    credentials = { mechanism: mechanism as SaslMechanism, username, password };
  }
  let tlsSettings: KafkaSecurity['tls'];
  if (tls) {
    const pem = (key: string) => {
      const path = env[key];
      if (!path) return undefined;
      const text = readNamedFile(key, path, read);
      if (!text.includes('-----BEGIN ')) throw new ConfigError(key, path, 'a PEM file (-----BEGIN ...)');
      return text;
    };
    const [ca, cert, key] = [pem('KAFKA_SSL_CA_FILE'), pem('KAFKA_SSL_CERT_FILE'), pem('KAFKA_SSL_KEY_FILE')];
    if (Boolean(cert) !== Boolean(key))
      throw new ConfigError(
        cert ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE',
        env[cert ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE'],
        'a client certificate and its key together (KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE)',
      );
    tlsSettings = { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
  }
  return validateKafkaSecurity(
    { protocol, ...(credentials ? { sasl: credentials } : {}), ...(tlsSettings ? { tls: tlsSettings } : {}) },
    'KAFKA',
  );
}
