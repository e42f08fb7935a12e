/**
 * What a member tells the rest of its group in its subscription's user data: where it serves
 * interactive queries (Kafka Streams carries `application.server` the same way). Any member can
 * read every member's user data and assignment with DescribeGroups, so each instance knows which
 * host owns which partition without asking the others.
 */
export interface MemberUserData {
  readonly applicationServer: string | null;
}

const VERSION = 1;

export function encodeMemberUserData(data: MemberUserData): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, applicationServer: data.applicationServer }), 'utf8');
}

/** Tolerant: a member of another client or version says nothing, rather than breaking the lookup. */
export function decodeMemberUserData(raw: Buffer | string | null | undefined): MemberUserData {
  if (raw === null || raw === undefined || raw.length === 0) return { applicationServer: null };
  try {
    const parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as {
      v?: unknown;
      applicationServer?: unknown;
    };
    const server = parsed.v === VERSION ? parsed.applicationServer : null;
    return { applicationServer: typeof server === 'string' && server.length > 0 ? server : null };
  } catch {
    return { applicationServer: null };
  }
}
