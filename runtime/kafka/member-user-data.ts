/**
 * What a member tells the rest of its group in its subscription's user data: where it serves
 * interactive queries (Kafka Streams carries `application.server` the same way), and what the
 * assignor needs to be sticky and state-aware: the task partitions it owns (and since which
 * generation), the ones whose state it holds locally, and that it speaks the cooperative protocol.
 * Any member can read every member's user data and assignment with DescribeGroups, so each
 * instance knows which host owns which partition without asking the others.
 */
export interface MemberUserData {
  readonly applicationServer: string | null;
  /** Task partitions this member runs now. */
  readonly owned: readonly number[];
  /** The generation `owned` was assigned in (-1 when it owns nothing). */
  readonly ownedGeneration: number;
  /** Task partitions whose state is on this member's disk (standby, or active until recently). */
  readonly warm: readonly number[];
  /** This member rebalances cooperatively (gives up a moving task before anyone gets it). */
  readonly cooperative: boolean;
}

const VERSION = 1;
const NOTHING: MemberUserData = {
  applicationServer: null,
  owned: [],
  ownedGeneration: -1,
  warm: [],
  cooperative: false,
};

export function encodeMemberUserData(data: Partial<MemberUserData>): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: VERSION,
      applicationServer: data.applicationServer ?? null,
      owned: data.owned ?? [],
      ownedGeneration: data.ownedGeneration ?? -1,
      warm: data.warm ?? [],
      cooperative: data.cooperative ?? false,
    }),
    'utf8',
  );
}

/** Tolerant: a member of another client or version says nothing, rather than breaking the lookup. */
export function decodeMemberUserData(raw: Buffer | string | null | undefined): MemberUserData {
  if (raw === null || raw === undefined || raw.length === 0) return NOTHING;
  try {
    const parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as Record<
      string,
      unknown
    >;
    if (parsed.v !== VERSION) return NOTHING;
    const server = parsed.applicationServer;
    return {
      applicationServer: typeof server === 'string' && server.length > 0 ? server : null,
      owned: partitionList(parsed.owned),
      ownedGeneration: Number.isInteger(parsed.ownedGeneration) ? (parsed.ownedGeneration as number) : -1,
      warm: partitionList(parsed.warm),
      cooperative: parsed.cooperative === true,
    };
  } catch {
    return NOTHING;
  }
}

function partitionList(raw: unknown): number[] {
  return Array.isArray(raw) ? raw.filter((p): p is number => Number.isInteger(p) && p >= 0) : [];
}
