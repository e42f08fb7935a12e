import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
  type Acl,
} from '@platformatic/kafka';
import type { AclRule } from '../app/saga-acls.ts';

function toAcl(rule: AclRule): Acl {
  return {
    principal: rule.principal,
    host: '*',
    resourceType: ResourceTypes[rule.resourceType],
    resourceName: rule.resourceName,
    resourcePatternType: ResourcePatternTypes[rule.patternType],
    operation: AclOperations[rule.operation],
    permissionType: AclPermissionTypes[rule.permission],
  };
}

/**
 * Adds the ACLs through the PLAINTEXT listener (its ANONYMOUS principal is a super user on the
 * stack). Idempotent: the broker keeps one copy of an ACL added twice.
 */
export async function createAcls(bootstrap: string, rules: readonly AclRule[]): Promise<void> {
  const admin = new Admin({ clientId: 'stack-acls', bootstrapBrokers: [bootstrap], retries: 3 });
  try {
    await admin.createAcls({ creations: rules.map(toAcl) });
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Removes exactly these ACLs (a test's, for its own topic prefix), so they do not pile up. */
export async function deleteAcls(bootstrap: string, rules: readonly AclRule[]): Promise<void> {
  if (rules.length === 0) return;
  const admin = new Admin({ clientId: 'stack-acls', bootstrapBrokers: [bootstrap], retries: 3 });
  try {
    await admin.deleteAcls({ filters: rules.map(toAcl) });
  } finally {
    await admin.close().catch(() => undefined);
  }
}
