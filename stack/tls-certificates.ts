import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, say } from './process-tools.ts';

/** The stack's TLS material: a CA of its own and one broker certificate it signed. */
export interface TlsFiles {
  /** PEM CA certificate: what clients trust (KAFKA_SSL_CA_FILE). */
  readonly caCert: string;
  readonly caKey: string;
  /** PKCS#12 keystore of the broker (key, certificate, CA chain), for `ssl.keystore.location`. */
  readonly keystore: string;
  /** The keystore's password, generated once. */
  readonly keystorePassword: string;
}

export function tlsFiles(dir: string): TlsFiles {
  return {
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    keystore: join(dir, 'broker.p12'),
    keystorePassword: join(dir, 'broker.p12.password'),
  };
}

/** Writes a secret readable by its owner only (0600), whatever the umask. */
export function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Generates the CA and the broker certificate with openssl, once: an existing keystore is kept, so
 * clients that already trust the CA keep working across restarts. The broker certificate names
 * 127.0.0.1 and localhost (subjectAltName), the only addresses the stack listens on, so clients
 * verify the hostname as they would in production instead of turning verification off.
 */
export function ensureCertificates(dir: string): TlsFiles {
  const files = tlsFiles(dir);
  if ([files.caCert, files.keystore, files.keystorePassword].every((f) => existsSync(f))) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  say(`generating a CA and a broker certificate in ${dir}`);
  const brokerKey = join(dir, 'broker.key');
  const brokerCsr = join(dir, 'broker.csr');
  const brokerCert = join(dir, 'broker.pem');
  const extensions = join(dir, 'broker.ext');
  const days = ['-days', '3650'];
  run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.caKey, '-out', files.caCert, ...days,
    '-subj', '/CN=kafka-ecommerce-pipeline local stack CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  run('openssl', [
    'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', brokerKey, '-out', brokerCsr, '-subj', '/CN=localhost',
  ]); // prettier-ignore
  writeFileSync(
    extensions,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ].join('\n') + '\n',
  );
  run('openssl', [
    'x509', '-req', '-in', brokerCsr, '-CA', files.caCert, '-CAkey', files.caKey, '-CAcreateserial',
    '-out', brokerCert, ...days, '-sha256', '-extfile', extensions,
  ]); // prettier-ignore
  const password = randomBytes(18).toString('base64url');
  writeSecret(files.keystorePassword, password);
  run('openssl', [
    'pkcs12', '-export', '-in', brokerCert, '-inkey', brokerKey, '-certfile', files.caCert,
    '-name', 'broker', '-out', files.keystore, '-passout', `file:${files.keystorePassword}`,
  ]); // prettier-ignore
  for (const key of [files.caKey, brokerKey, files.keystore]) chmodSync(key, 0o600);
  rmSync(brokerCsr, { force: true });
  return files;
}

export function keystorePassword(files: TlsFiles): string {
  return readFileSync(files.keystorePassword, 'utf8').trim();
}
