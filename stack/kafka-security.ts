/**
 * The stack's secure listener (`npm run stack:up -- --secure`): SASL_SSL with SCRAM-SHA-512 (and
 * -256) on the broker port + 8, TLS from a CA generated into .stack/security/, one SCRAM user per
 * saga service plus an admin, and Kafka's StandardAuthorizer with least-privilege ACLs per service.
 *
 * The PLAINTEXT listener stays exactly as it was: its connections are the ANONYMOUS principal,
 * which is a super user. Why not `allow.everyone.if.no.acl.found=true` instead: that would also let
 * every SCRAM user touch any topic without ACLs (payment could write a new topic, or `stock` once
 * its ACLs were removed); a super ANONYMOUS keeps the authorizer default-deny for every
 * authenticated principal and changes nothing for the tools and tests that use PLAINTEXT on
 * 127.0.0.1 (the controller and inter-broker listeners are ANONYMOUS too).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { sagaAcls, SERVICE_USERS, type SagaAclOptions } from '../app/saga-acls.ts';
import { createAcls } from './acls.ts';
import { stackDir } from './paths.ts';
import { portOpen } from './process-tools.ts';
import { upsertScramUsers } from './scram-users.ts';
import { ensureCertificates, keystorePassword, tlsFiles, writeSecret } from './tls-certificates.ts';

export const securityDir = join(stackDir, 'security');
/** Node n's SASL_SSL port: its broker port + 8 (19100 on the default stack; clear of a cluster's 6 ports). */
export const SECURE_PORT_OFFSET = 8;
export const SUPER_USER = 'admin';
export const STACK_USERS: readonly string[] = [SUPER_USER, ...Object.values(SERVICE_USERS)];
/** The defaults the pipeline runs with (APPLICATION_ID, TOPIC_PREFIX): what `stack:up --secure` grants. */
export const DEFAULT_SAGA: SagaAclOptions = { applicationId: 'ecommerce-saga', topicPrefix: '' };

const markerFile = join(securityDir, 'enabled');
const credentialsFile = join(securityDir, 'credentials.json');
/** The PEM CA clients trust: KAFKA_SSL_CA_FILE. */
export const caFile = tlsFiles(securityDir).caCert;
export const passwordFile = (user: string) => join(securityDir, `${user}.password`);

export function securePort(node: { readonly port: number }): number {
  return node.port + SECURE_PORT_OFFSET;
}

/** Whether the stack was last started with `--secure`: restarts (ensureStack, tests) keep it. */
export function secureRecorded(): boolean {
  return existsSync(markerFile);
}

export function recordSecure(on: boolean): void {
  if (on) {
    mkdirSync(securityDir, { recursive: true, mode: 0o700 });
    writeFileSync(markerFile, 'SASL_SSL listener on\n');
  } else rmSync(markerFile, { force: true });
}

/**
 * Every stack user's password: generated once into credentials.json and `<user>.password` (0600,
 * in the git-ignored .stack/), so a restart keeps them and KAFKA_SASL_PASSWORD_FILE can name one.
 */
export function stackCredentials(): Record<string, string> {
  mkdirSync(securityDir, { recursive: true, mode: 0o700 });
  const known: Record<string, string> = existsSync(credentialsFile)
    ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>)
    : {};
  const missing = STACK_USERS.filter((user) => !known[user]);
  for (const user of missing) known[user] = randomBytes(18).toString('base64url');
  if (missing.length > 0) writeSecret(credentialsFile, JSON.stringify(known, null, 2) + '\n');
  for (const user of STACK_USERS)
    if (!existsSync(passwordFile(user))) writeSecret(passwordFile(user), `${known[user]}\n`);
  return known;
}

/** What a node's server.properties needs for the secure listener (see kafka-node.ts). */
export interface SecureListener {
  readonly port: number;
  readonly lines: readonly string[];
}

/** Certificates and passwords (generated when missing) and the broker settings that use them. */
export function secureListener(node: { readonly port: number }): SecureListener {
  const files = ensureCertificates(securityDir);
  stackCredentials();
  const password = keystorePassword(files);
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return {
    port: securePort(node),
    lines: [
      'sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas}`,
      `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas}`,
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${files.keystore}`,
      `ssl.keystore.password=${password}`,
      `ssl.key.password=${password}`,
      // Clients prove who they are with SCRAM, not with certificates (mTLS principals: not covered).
      'ssl.client.auth=none',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // ANONYMOUS: the PLAINTEXT, controller and inter-broker listeners (see the top of this file).
      `super.users=User:${SUPER_USER};User:ANONYMOUS`,
      'allow.everyone.if.no.acl.found=false',
    ],
  };
}

/** Creates the SCRAM users and the saga's ACLs (both idempotent) through the PLAINTEXT listener. */
export async function provisionSecurity(
  plaintextPort: number,
  saga: SagaAclOptions = DEFAULT_SAGA,
): Promise<void> {
  await upsertScramUsers('127.0.0.1', plaintextPort, stackCredentials());
  await createAcls(`127.0.0.1:${plaintextPort}`, sagaAcls(saga));
}

/** The security settings a client of the secure listener uses, as `user` (the engine's KafkaSecurity shape). */
export function stackSecurity(user: string) {
  return {
    protocol: 'SASL_SSL' as const,
    sasl: { mechanism: 'SCRAM-SHA-512' as const, username: user, password: stackCredentials()[user] ?? '' },
    tls: { ca: readFileSync(caFile, 'utf8') },
  };
}

/** True when the secure listener on `port` answers a metadata request from the admin user (TLS verified, SCRAM accepted). */
export async function secureListenerAnswers(port: number): Promise<boolean> {
  if (!existsSync(caFile) || !(await portOpen(port))) return false;
  const security = stackSecurity(SUPER_USER);
  const admin = new Admin({
    clientId: 'stack-secure-probe',
    bootstrapBrokers: [`127.0.0.1:${port}`],
    tls: { ca: security.tls.ca, rejectUnauthorized: true },
    sasl: security.sasl,
    retries: 0,
    timeout: 5000,
  });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
