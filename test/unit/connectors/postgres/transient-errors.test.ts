import { asUnavailableIfTransient, isTransientPgError } from '../../../../connectors/index.ts';
import { DependencyUnavailableError } from '../../../../topology/index.ts';

/** What a read-model write failure means: the database away (retry later) or the statement wrong. */
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('the database away, restarting or overloaded is transient', () => {
  for (const error of [
    withCode('connect ECONNREFUSED 127.0.0.1:15432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
    withCode('too many connections for role', '53300'),
    withCode('could not serialize access', '40001'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
  ])
    expect([error.message, isTransientPgError(error)]).toEqual([error.message, true]);
});

test("a statement the database refuses for the record's sake is not", () => {
  for (const error of [
    withCode('value too long for type character varying(64)', '22001'),
    withCode('duplicate key value violates unique constraint', '23505'),
    withCode('relation "orders" does not exist', '42P01'),
    new Error('something else'),
  ])
    expect([error.message, isTransientPgError(error)]).toEqual([error.message, false]);
  expect(isTransientPgError('ECONNREFUSED')).toBe(false);
});

test('a transient failure becomes DependencyUnavailableError with the cause kept; others pass as they are', () => {
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:15432', 'ECONNREFUSED');
  const wrapped = asUnavailableIfTransient(refused, 'read model write of order-status-0@7');
  expect(wrapped).toBeInstanceOf(DependencyUnavailableError);
  expect((wrapped as Error).message).toBe(
    'read model write of order-status-0@7: the database cannot be reached now (connect ECONNREFUSED 127.0.0.1:15432)',
  );
  expect((wrapped as Error).cause).toBe(refused);
  const bad = withCode('value too long', '22001');
  expect(asUnavailableIfTransient(bad, 'x')).toBe(bad);
});
