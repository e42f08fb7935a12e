import { kafkaSecurityFromEnv } from '../../../app/kafka-security-config.ts';
import { pipelineConfigFromEnv } from '../../../app/config.ts';
import { ConfigError } from '../../../topology/index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = {
  '/run/ca.pem': CA,
  '/run/password': 's3cret\n',
  '/run/user': 'payment-svc\n',
  '/run/not-pem': 'hello',
};
const read = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
};
const parse = (env: NodeJS.ProcessEnv) => kafkaSecurityFromEnv(env, read);

describe('Kafka security from the environment', () => {
  test('nothing set is PLAINTEXT (null), as before', () => {
    expect(parse({})).toBeNull();
    expect(pipelineConfigFromEnv({}).security).toBeNull();
    // The Helm chart always sets KAFKA_TLS; false keeps PLAINTEXT.
    expect(parse({ KAFKA_TLS: 'false' })).toBeNull();
  });

  test('SASL_SSL with SCRAM-SHA-512 (the default mechanism), a password file and a CA file', () => {
    expect(
      parse({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'payment-svc',
        KAFKA_SASL_PASSWORD_FILE: '/run/password',
        KAFKA_SSL_CA_FILE: '/run/ca.pem',
      }),
    ).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'payment-svc', password: 's3cret' },
      tls: { ca: CA },
    });
    expect(
      parse({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME_FILE: '/run/user',
        KAFKA_SASL_PASSWORD: 'pw',
      }),
    ).toEqual({
      protocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'payment-svc', password: 'pw' },
    });
  });

  test("the chart's KAFKA_TLS and SASL user imply the protocol when KAFKA_SECURITY_PROTOCOL is unset", () => {
    expect(parse({ KAFKA_TLS: 'true' })).toEqual({ protocol: 'SSL', tls: {} });
    expect(
      parse({
        KAFKA_TLS: 'true',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      })?.protocol,
    ).toBe('SASL_SSL');
    expect(parse({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })?.protocol).toBe('SASL_PLAINTEXT');
  });

  test.each([
    [
      { KAFKA_SECURITY_PROTOCOL: 'TLS' },
      /KAFKA_SECURITY_PROTOCOL="TLS": one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
    ],
    [
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'GSSAPI',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      },
      /KAFKA_SASL_MECHANISM="GSSAPI": one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_PASSWORD: 'p' },
      /KAFKA_SASL_USERNAME.*a user name: SASL_SSL authenticates/,
    ],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD.*a password/],
    [
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: '/run/password',
      },
      /either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both/,
    ],
    [
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD_FILE: '/run/missing',
      },
      /KAFKA_SASL_PASSWORD_FILE="\/run\/missing": a readable file \(ENOENT\)/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/run/not-pem' },
      /KAFKA_SSL_CA_FILE="\/run\/not-pem": a PEM file/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: '/run/ca.pem' },
      /KAFKA_SSL_KEY_FILE.*a client certificate and its key together/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_SASL_USERNAME: 'u' },
      /KAFKA_SECURITY_PROTOCOL="PLAINTEXT": SASL_SSL or SASL_PLAINTEXT, since KAFKA_SASL_USERNAME is set/,
    ],
    [
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SSL_CA_FILE: '/run/ca.pem',
      },
      /SSL or SASL_SSL, since KAFKA_SSL_CA_FILE is set/,
    ],
    [{ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_TLS: 'true' }, /SSL or SASL_SSL, since KAFKA_TLS=true/],
    [{ KAFKA_TLS: 'yes' }, /KAFKA_TLS="yes": true or false/],
  ])('%j is refused: the error names the key, the value and what is allowed', (env, message) => {
    expect(() => parse(env)).toThrow(ConfigError);
    expect(() => parse(env)).toThrow(message);
  });

  test('a password never appears in an error', () => {
    try {
      parse({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'hunter2',
        KAFKA_SASL_PASSWORD_FILE: '/run/password',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
