import { decodeMemberUserData, encodeMemberUserData } from '../../../../runtime/kafka/member-user-data.ts';

describe('member user data (application.server in the group subscription)', () => {
  test('round-trips the application server', () => {
    const encoded = encodeMemberUserData({ applicationServer: 'pod-1.saga:8080' });
    expect(decodeMemberUserData(encoded)).toEqual({ applicationServer: 'pod-1.saga:8080' });
    expect(decodeMemberUserData(encoded.toString('utf8'))).toEqual({ applicationServer: 'pod-1.saga:8080' });
  });

  test.each([
    ['absent', undefined],
    ['empty', Buffer.alloc(0)],
    ['not JSON (another client)', Buffer.from([0, 1, 2, 3])],
    ['another version', Buffer.from(JSON.stringify({ v: 2, applicationServer: 'x:1' }))],
    ['no server', encodeMemberUserData({ applicationServer: null })],
  ])('%s says nothing rather than failing', (_name, raw) => {
    expect(decodeMemberUserData(raw)).toEqual({ applicationServer: null });
  });
});
