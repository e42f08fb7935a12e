import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT, JAEGER_QUERY_PORT } from '../../../stack/config.ts';
import { renderJaegerConfig } from '../../../stack/jaeger.ts';
import { repoRoot } from '../../../stack/paths.ts';

/** The stack's Jaeger config: every port filled in, every listener on the loopback address only. */
test('deploy/jaeger/config.yaml renders with the stack ports, all on 127.0.0.1', () => {
  const rendered = renderJaegerConfig(
    readFileSync(join(repoRoot, 'deploy', 'jaeger', 'config.yaml'), 'utf8'),
  );
  expect(rendered).not.toContain('${');
  const endpoints = [...rendered.matchAll(/endpoint: (\S+)/g)].map((m) => m[1]);
  expect(endpoints.sort()).toEqual(
    [
      `127.0.0.1:${JAEGER_OTLP_GRPC_PORT}`,
      `127.0.0.1:${JAEGER_OTLP_HTTP_PORT}`,
      `127.0.0.1:${JAEGER_QUERY_PORT}`,
      `127.0.0.1:${JAEGER_QUERY_PORT - 1}`,
    ].sort(),
  );
});

test('an unknown reference in the template is an error naming it', () => {
  expect(() => renderJaegerConfig('endpoint: 127.0.0.1:${env:NOPE:-1}')).toThrow(
    /unknown reference \$\{env:NOPE:-1\}/,
  );
});
