/**
 * One sentence for a refusal by the broker's security: who was refused what, and what to do. A
 * denied principal or a failed login never heals by retrying, so these are fatal (errors.ts), and
 * the sentence is what an operator reads in the log of the service that stopped.
 */

/** Kafka's ACL operations, by the names `kafka-acls --operation` takes. */
export type AclOperationName =
  | 'READ'
  | 'WRITE'
  | 'CREATE'
  | 'DELETE'
  | 'ALTER'
  | 'DESCRIBE'
  | 'DESCRIBE_CONFIGS'
  | 'CLUSTER_ACTION'
  | 'IDEMPOTENT_WRITE';

/** What the failed call needed: the caller knows, the broker's answer does not say. */
export interface AccessContext {
  /** The principal's name as the broker sees it (the SASL user), or ANONYMOUS. */
  readonly principal: string;
  /** What the call does to its topics (WRITE for a send, READ for a fetch, CREATE, ...). */
  readonly operation?: AclOperationName;
  readonly topics?: readonly string[];
  readonly group?: string;
  readonly transactionalId?: string;
}

/** Authorization errors and the resource type each refers to, with the operation usually refused. */
const DENIED: Record<string, { type: string; operation: AclOperationName }> = {
  TOPIC_AUTHORIZATION_FAILED: { type: 'topic', operation: 'DESCRIBE' },
  GROUP_AUTHORIZATION_FAILED: { type: 'group', operation: 'READ' },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { type: 'transactional id', operation: 'WRITE' },
  CLUSTER_AUTHORIZATION_FAILED: { type: 'cluster', operation: 'CLUSTER_ACTION' },
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: { type: 'delegation token', operation: 'DESCRIBE' },
};

/** Failed logins: wrong password, unknown user, a mechanism the listener does not enable. */
export const AUTHENTICATION_FAILURES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** Node's codes for a broker certificate we do not trust (or that names another host). */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const isAuthorizationFailure = (name: string): boolean => name in DENIED;

/** Codes (the client's PLT_KFK_*, Node's TLS ones) anywhere in an error tree. */
export function errorCodes(error: unknown, seen = new Set<unknown>()): string[] {
  if (error === null || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const e = error as { code?: unknown; errors?: unknown; cause?: unknown };
  const codes = typeof e.code === 'string' ? [e.code] : [];
  if (Array.isArray(e.errors)) for (const inner of e.errors) codes.push(...errorCodes(inner, seen));
  if (e.cause) codes.push(...errorCodes(e.cause, seen));
  return codes;
}

/**
 * The sentence for a security refusal among broker error `names` and error `codes`, or null when
 * the failure is something else. E.g. `Kafka denied payment-svc WRITE on topic stock
 * (TOPIC_AUTHORIZATION_FAILED): grant it an ACL or fix the principal`.
 */
export function securityRefusal(
  names: readonly string[],
  codes: readonly string[],
  context: AccessContext | undefined,
): string | null {
  const principal = context?.principal ?? 'this client';
  const denied = names.find(isAuthorizationFailure);
  if (denied) {
    const { type, operation } = DENIED[denied] as { type: string; operation: AclOperationName };
    const named = (list: readonly (string | undefined)[]) => {
      const known = list.filter((n): n is string => Boolean(n));
      return known.length ? ` ${known.join(', ')}` : '';
    };
    const what =
      denied === 'TOPIC_AUTHORIZATION_FAILED'
        ? `${context?.operation ?? operation} on topic${named(context?.topics ?? [])}`
        : denied === 'GROUP_AUTHORIZATION_FAILED'
          ? `${operation} on group${named([context?.group])}`
          : denied === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'
            ? `${operation} on transactional id${named([context?.transactionalId])}`
            : `${operation} on the ${type}`;
    return `Kafka denied ${principal} ${what} (${denied}): grant it an ACL or fix the principal`;
  }
  const login = names.find((n) => AUTHENTICATION_FAILURES.has(n));
  if (login || codes.includes('PLT_KFK_AUTHENTICATION'))
    return (
      `Kafka refused to authenticate ${principal} (${login ?? 'PLT_KFK_AUTHENTICATION'}): ` +
      'check the SASL mechanism, user name and password against the broker’s credentials'
    );
  const certificate = codes.find((c) => UNTRUSTED_CERTIFICATE.has(c));
  if (certificate)
    return (
      `Kafka's TLS certificate was not accepted (${certificate}): ` +
      'trust the CA that signed it (the CA file) and connect by a name the certificate lists'
    );
  return null;
}
