import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { alterUserScramCredentialsV0, Connection } from '@platformatic/kafka';

/** SCRAM mechanisms as AlterUserScramCredentials numbers them, with their hash and its length. */
const MECHANISMS = [
  { name: 'SCRAM-SHA-256', id: 1, hash: 'sha256', bytes: 32 },
  { name: 'SCRAM-SHA-512', id: 2, hash: 'sha512', bytes: 64 },
] as const;
/** Kafka's minimum for SCRAM (RFC 7677 recommends at least 4096). */
const ITERATIONS = 8192;

/**
 * Creates (or updates: the request is an upsert) SCRAM-SHA-256 and SCRAM-SHA-512 credentials for
 * every user, through the PLAINTEXT listener at `host:port`, whose ANONYMOUS principal is a super
 * user on the stack. The client salts and hashes the password (RFC 5802's SaltedPassword) so the
 * password itself never crosses the wire, as `kafka-configs --add-config SCRAM-SHA-512=[...]` does.
 */
export async function upsertScramUsers(
  host: string,
  port: number,
  users: Readonly<Record<string, string>>,
): Promise<void> {
  // One request per mechanism: the broker refuses to alter one user twice in a request.
  const requests = MECHANISMS.map((m) =>
    Object.entries(users).map(([name, password]) => {
      const salt = randomBytes(32);
      return {
        name,
        mechanism: m.id,
        iterations: ITERATIONS,
        salt,
        saltedPassword: pbkdf2Sync(password, salt, ITERATIONS, m.bytes, m.hash),
      };
    }),
  );
  const connection = new Connection('stack-scram-users');
  connection.on('error', () => undefined);
  try {
    await connection.connect(host, port);
    for (const upsertions of requests)
      await alterUserScramCredentialsV0.api.async(connection, [], upsertions);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
