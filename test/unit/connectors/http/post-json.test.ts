import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRetryableStatus, postJson } from '../../../../connectors/http/post-json.ts';

describe('postJson', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/stall-body') {
        // Headers now, body never: the deadline must also cover reading the body.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"partial":');
        return;
      }
      response.writeHead(request.url === '/teapot' ? 418 : 200, { 'content-type': 'application/json' });
      response.end(request.url === '/text' ? 'not json' : '{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns status, text and parsed JSON', async () => {
    const result = await postJson({ url: `${url}/teapot`, rawBody: '{}', headers: {}, timeoutMs: 1_000 });
    expect(result).toMatchObject({ kind: 'response', status: 418, json: { ok: true } });
    expect(
      await postJson({ url: `${url}/text`, rawBody: '{}', headers: {}, timeoutMs: 1_000 }),
    ).toMatchObject({ text: 'not json', json: undefined });
  });

  it('times out while the body is still arriving', async () => {
    expect(await postJson({ url: `${url}/stall-body`, rawBody: '{}', headers: {}, timeoutMs: 100 })).toEqual({
      kind: 'timeout',
      timeoutMs: 100,
    });
  });

  it('classifies retryable statuses', () => {
    expect([200, 400, 401, 404, 408, 429, 500, 503].map(isRetryableStatus)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});
