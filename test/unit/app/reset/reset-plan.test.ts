import { join } from 'node:path';
import { parseResetArgs, ResetUsageError, type ResetRequest } from '../../../../app/reset/reset-args.ts';
import { planReset, renderPlan, renderRefusal, type ResetFacts } from '../../../../app/reset/reset-plan.ts';
import { internalTopicsOf, resetTargets, topicsToDelete } from '../../../../app/reset/reset-targets.ts';
import type { GroupDescription } from '../../../../runtime/index.ts';

const request = (argv: string[], env: NodeJS.ProcessEnv = {}): ResetRequest => {
  const parsed = parseResetArgs(argv, env);
  if (parsed === 'help') throw new Error('help');
  return parsed;
};

describe('app:reset arguments', () => {
  test('defaults from the pipeline environment', () => {
    expect(
      request(['--application-id', 'clicks', '--input-topics', 'a, b'], {
        KAFKA_BOOTSTRAP: 'k:1,k:2',
        STATE_DIR: '/s',
      }),
    ).toEqual({
      applicationId: 'clicks',
      saga: false,
      inputTopics: ['a', 'b'],
      topicPrefix: '',
      stateDir: '/s',
      bootstrapServers: ['k:1', 'k:2'],
      dryRun: false,
    });
    expect(request(['--application-id', 'x'])).toMatchObject({
      stateDir: join(process.cwd(), '.stack', 'state'),
      bootstrapServers: ['127.0.0.1:19092'],
    });
    expect(
      request(['--application-id', 's', '--saga', '--dry-run', '--bootstrap', 'h:9', '--state-dir', 'd'], {
        TOPIC_PREFIX: 'p-',
      }),
    ).toMatchObject({
      saga: true,
      topicPrefix: 'p-',
      dryRun: true,
      bootstrapServers: ['h:9'],
      stateDir: 'd',
    });
  });

  test('help and usage errors', () => {
    expect(parseResetArgs(['--help'])).toBe('help');
    expect(() => parseResetArgs([])).toThrow(new ResetUsageError('--application-id ID is required'));
    expect(() => parseResetArgs(['--application-id', 's', '--saga', '--input-topics', 'a'])).toThrow(
      /leave out --input-topics/,
    );
    expect(() => parseResetArgs(['--application-id', 's', '--topic-prefix', 'p'])).toThrow(
      /only goes with --saga/,
    );
    expect(() => parseResetArgs(['--application-id', 's', '--force'])).toThrow(ResetUsageError);
  });
});

describe('what a reset covers', () => {
  test('internal topics: <id>-…-repartition|changelog, not those of a longer application id', () => {
    const existing = [
      'app-a-changelog',
      'app-x-repartition',
      'app-out',
      'app-payment-s-changelog',
      'apple-a-changelog',
      'other-a-changelog',
    ];
    expect(internalTopicsOf('app', existing, ['app', 'app-payment'])).toEqual([
      'app-a-changelog',
      'app-x-repartition',
    ]);
    expect(internalTopicsOf('app', existing, [])).toEqual([
      'app-a-changelog',
      'app-payment-s-changelog',
      'app-x-repartition',
    ]);
  });

  test('--saga: four application ids, their inputs, the loop topics and every internal topic; inputs never deleted', () => {
    const saga = request(['--application-id', 'shop', '--saga', '--topic-prefix', 'p-']);
    const targets = resetTargets(saga);
    expect(targets).toEqual([
      { applicationId: 'shop', inputTopics: ['p-orders', 'p-stock'] },
      { applicationId: 'shop-payment', inputTopics: [] },
      { applicationId: 'shop-notification', inputTopics: [] },
      { applicationId: 'shop-read-model', inputTopics: ['p-order-status'] },
    ]);
    const existing = [
      'p-orders',
      'p-stock',
      'p-order-status',
      'p-shop-payment-requests-repartition',
      'p-shop-reservation-results-repartition',
      'shop-order-saga-store-changelog',
      'shop-orders-by-id-repartition',
      'shop-payment-payment-store-changelog',
      'shop-notification-notification-retry-index-changelog',
      'shopping-a-changelog',
    ];
    expect(topicsToDelete(saga, targets, existing, [])).toEqual([
      'p-shop-payment-requests-repartition',
      'p-shop-reservation-results-repartition',
      'shop-notification-notification-retry-index-changelog',
      'shop-order-saga-store-changelog',
      'shop-orders-by-id-repartition',
      'shop-payment-payment-store-changelog',
    ]);
  });
});

describe('the plan', () => {
  const empty = (groupId: string, state = 'Empty'): GroupDescription => ({ groupId, state, members: [] });
  const facts = (over: Partial<ResetFacts> = {}): ResetFacts => ({
    topics: ['in', 'app-s-changelog', 'app-r-repartition'],
    groupIds: ['app'],
    groups: new Map([['app', empty('app')]]),
    committed: new Map([
      [
        'app',
        new Map([
          ['in', new Map([[0, 7n]])],
          [
            'app-r-repartition',
            new Map([
              [0, 3n],
              [1, 4n],
            ]),
          ],
        ]),
      ],
    ]),
    earliest: new Map([
      [
        'in',
        new Map([
          [0, 2n],
          [1, 0n],
        ]),
      ],
    ]),
    stateDirExists: () => true,
    ...over,
  });
  const req = request(['--application-id', 'app', '--input-topics', 'in,gone', '--state-dir', '/st']);

  test('inputs to earliest, offsets on deleted topics dropped, topics and state deleted; printed line by line', () => {
    const plan = planReset(req, resetTargets(req), facts());
    expect(plan).toMatchObject({
      deleteTopics: ['app-r-repartition', 'app-s-changelog'],
      missingInputs: ['gone'],
      activeGroups: [],
      apps: [
        {
          applicationId: 'app',
          groupAbsent: false,
          toEarliest: [
            { topic: 'in', partition: 0, from: 7n, to: 2n },
            { topic: 'in', partition: 1, from: null, to: 0n },
          ],
          toDrop: new Map([['app-r-repartition', [0, 1]]]),
          stateDir: '/st/app',
          stateDirExists: true,
        },
      ],
    });
    expect(renderPlan(plan, true)).toBe(
      [
        'DRY RUN: nothing is changed. The reset would:',
        'application app (group Empty, 0 members)',
        '  offset in[0]: 7 -> 2 (earliest)',
        '  offset in[1]: none -> 0 (earliest)',
        '  drop committed offsets on app-r-repartition (partitions 0, 1): the topic is deleted',
        '  delete state directory: /st/app',
        'delete 2 topics:',
        '  app-r-repartition',
        '  app-s-changelog',
        'input topic gone does not exist: nothing to reset there',
      ].join('\n'),
    );
  });

  test('a group that does not exist gets no offsets (it starts at earliest anyway)', () => {
    const plan = planReset(
      req,
      resetTargets(req),
      facts({ groups: new Map(), committed: new Map(), stateDirExists: () => false }),
    );
    expect(plan.apps[0]).toMatchObject({ groupAbsent: true, toEarliest: [], stateDirExists: false });
    expect(renderPlan(plan, false)).toContain('no such group (never ran, or deleted)');
    expect(renderPlan(plan, false)).toContain('state directory absent (nothing to delete): /st/app');
  });

  test('members, or a rebalance in progress, refuse the reset and name who is there', () => {
    const running: GroupDescription = {
      groupId: 'app',
      state: 'Stable',
      members: [
        {
          memberId: 'm-1',
          instanceId: 'instance-1',
          clientId: 'app-instance-1-consumer',
          host: '/127.0.0.1',
        },
      ],
    };
    const plan = planReset(req, resetTargets(req), facts({ groups: new Map([['app', running]]) }));
    expect(plan.activeGroups).toEqual([running]);
    expect(renderRefusal(plan.activeGroups)).toContain(
      'group app is Stable with 1 member(s): instance-1 (app-instance-1-consumer on /127.0.0.1)',
    );
    expect(
      planReset(
        req,
        resetTargets(req),
        facts({ groups: new Map([['app', empty('app', 'PreparingRebalance')]]) }),
      ).activeGroups,
    ).toHaveLength(1);
  });
});
