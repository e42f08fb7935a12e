import { decodeMemberUserData, encodeMemberUserData } from '../../../../runtime/kafka/member-user-data.ts';

describe('member user data (application.server in the group subscription)', () => {
  test('round-trips the application server', () => {
    const encoded = encodeMemberUserData({ applicationServer: 'pod-1.saga:8080' });
    expect(decodeMemberUserData(encoded)).toMatchObject({ applicationServer: 'pod-1.saga:8080' });
    expect(decodeMemberUserData(encoded.toString('utf8'))).toMatchObject({
      applicationServer: 'pod-1.saga:8080',
    });
  });

  test('round-trips what the assignor needs: owned and warm task partitions, cooperative', () => {
    const data = {
      applicationServer: null,
      owned: [0, 3],
      ownedGeneration: 7,
      warm: [1, 4],
      cooperative: true,
    };
    expect(decodeMemberUserData(encodeMemberUserData(data))).toEqual(data);
  });

  test('keeps only partition numbers from lists another writer got wrong', () => {
    const raw = Buffer.from(
      JSON.stringify({ v: 1, owned: [1, -1, 'x', 2.5, 3], warm: 'all', ownedGeneration: 'x' }),
    );
    expect(decodeMemberUserData(raw)).toEqual({
      applicationServer: null,
      owned: [1, 3],
      ownedGeneration: -1,
      warm: [],
      cooperative: false,
    });
  });

  test.each([
    ['absent', undefined],
    ['empty', Buffer.alloc(0)],
    ['not JSON (another client)', Buffer.from([0, 1, 2, 3])],
    ['another version', Buffer.from(JSON.stringify({ v: 2, applicationServer: 'x:1' }))],
    ['no server', encodeMemberUserData({ applicationServer: null })],
  ])('%s says nothing rather than failing', (_name, raw) => {
    expect(decodeMemberUserData(raw)).toMatchObject({
      applicationServer: null,
      owned: [],
      cooperative: false,
    });
  });
});
