import { spawnSync } from 'node:child_process';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { StreamsMetrics, combinedMetrics } from '../../../../runtime/index.ts';
import { parseExposition } from '../../../../runtime/metrics/combined-exposition.ts';
import { sagaMetrics } from '../../../../app/saga-metrics.ts';

/** promtool (Debian's prometheus package, scripts/setup-system.sh) when installed; else undefined. */
function promtoolCheck(text: string): { status: number | null; output: string } | undefined {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function twoServices() {
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  const sagaRegistry = new Registry();
  sagaRegistry.setDefaultLabels({ application_id: 'shop' });
  const saga = sagaMetrics(sagaRegistry);
  saga.transition('SHIPPED', 120);
  const core = new StreamsMetrics('shop', { labels: { service: 'core' } });
  const payment = new StreamsMetrics('shop-payment', { labels: { service: 'payment' } });
  core.processed.inc({ task_id: '0_1' });
  payment.processed.inc({ task_id: '0_1' }, 2);
  core.commitLatency.observe(0.004);
  payment.commitLatency.observe(0.002);
  core.recordState('RUNNING');
  payment.recordState('STARTING');
  return [processRegistry, sagaRegistry, core.registry, payment.registry];
}

describe('combinedMetrics', () => {
  it('serves two apps as one valid exposition: one HELP and TYPE per family, both services’ samples', async () => {
    const text = await combinedMetrics(twoServices());
    const helps = text.split('\n').filter((line) => line.startsWith('# HELP '));
    const names = helps.map((line) => line.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
    expect(text.split('\n').filter((line) => line.startsWith('# TYPE ')).length).toBe(names.length);

    const families = parseExposition(text);
    expect(families.get('kafka_streams_task_process_total')?.samples).toEqual([
      'kafka_streams_task_process_total{task_id="0_1",service="core",application_id="shop"} 1',
      'kafka_streams_task_process_total{task_id="0_1",service="payment",application_id="shop-payment"} 2',
    ]);
    // Histograms keep their _bucket/_sum/_count series, from both apps.
    const commit = families.get('kafka_streams_commit_latency_seconds');
    expect(commit?.type).toBe('histogram');
    expect(commit?.samples.filter((s) => s.startsWith('kafka_streams_commit_latency_seconds_count'))).toEqual(
      [
        'kafka_streams_commit_latency_seconds_count{service="core",application_id="shop"} 1',
        'kafka_streams_commit_latency_seconds_count{service="payment",application_id="shop-payment"} 1',
      ],
    );
    expect(families.get('kafka_streams_client_state')?.samples).toHaveLength(2);
    // Process metrics once, without a service label; the saga's once, with its application.
    expect(families.get('process_cpu_user_seconds_total')?.samples).toHaveLength(1);
    // Every status from 0 (so rate() sees the first increase), SHIPPED counted once.
    const orders = families.get('saga_orders_total')?.samples ?? [];
    expect(orders).toHaveLength(8);
    expect(orders).toContain('saga_orders_total{status="SHIPPED",application_id="shop"} 1');
    expect(orders).toContain('saga_orders_total{status="CREATED",application_id="shop"} 0');
    // Every sample line is `name{labels} value`.
    for (const family of families.values())
      for (const sample of family.samples) expect(sample).toMatch(/^[a-zA-Z_:][\w:]*(\{.*\})? \S+$/);
  });

  it('passes promtool check metrics, where the registries simply concatenated do not', async () => {
    const registries = twoServices();
    const combined = promtoolCheck(await combinedMetrics(registries));
    if (!combined) {
      // Without promtool (not installed) the parse above is the check; CI installs it.
      process.stderr.write('promtool not installed: skipping its check of the exposition\n');
      return;
    }
    // Exit 3 is lint only; the lint it finds is about prom-client's default nodejs_* gauges.
    expect([0, 3]).toContain(combined.status);
    for (const line of combined.output.split('\n').filter(Boolean)) expect(line).toMatch(/^nodejs_/);
    const concatenated = (await Promise.all(registries.map((r) => r.metrics()))).join('\n');
    const naive = promtoolCheck(concatenated);
    expect(naive?.status).toBe(1);
    expect(naive?.output).toMatch(/second HELP line|second TYPE line/);
  });

  it('refuses a family declared with two types', async () => {
    const a = new Registry();
    const b = new Registry();
    a.registerMetric(new Counter({ name: 'x_total', help: 'x', registers: [] }));
    b.registerMetric(new Gauge({ name: 'x_total', help: 'x', registers: [] }));
    await expect(combinedMetrics([a, b])).rejects.toThrow(/x_total is a counter in one registry and a gauge/);
  });
});
