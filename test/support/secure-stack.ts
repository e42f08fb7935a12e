import { sagaAcls, type SagaAclOptions } from '../../app/saga-acls.ts';
import { createAcls, deleteAcls } from '../../stack/acls.ts';
import { KAFKA_PORT } from '../../stack/config.ts';
import { startKafka } from '../../stack/kafka-broker.ts';
import { secureListenerAnswers, securePort, stackSecurity } from '../../stack/kafka-security.ts';
import type { KafkaSecurity } from '../../runtime/index.ts';

/** The stack's SASL_SSL bootstrap (stack:up --secure): the broker port + 8. */
export const SECURE_BOOTSTRAP = `127.0.0.1:${securePort({ port: KAFKA_PORT })}`;
const PLAINTEXT_BOOTSTRAP = `127.0.0.1:${KAFKA_PORT}`;

/**
 * Makes sure the stack's SASL_SSL listener is up: when it is not, the broker is (re)started with
 * it, as `npm run stack:up -- --secure` does (data kept, PLAINTEXT unchanged).
 */
export async function ensureSecureStack(): Promise<void> {
  if (await secureListenerAnswers(securePort({ port: KAFKA_PORT }))) return;
  await startKafka(1, true);
}

/** How a stack user connects (SCRAM-SHA-512 over TLS, trusting the stack's CA). */
export function securityOf(user: string): KafkaSecurity {
  return stackSecurity(user);
}

/**
 * Grants the saga's ACLs for a test's own application id and topic prefix (unique per run), and
 * returns the function that removes them again, so test runs do not pile ACLs up on the stack.
 */
export async function grantSagaAcls(options: SagaAclOptions): Promise<() => Promise<void>> {
  const rules = sagaAcls(options);
  await createAcls(PLAINTEXT_BOOTSTRAP, rules);
  return () => deleteAcls(PLAINTEXT_BOOTSTRAP, rules);
}
