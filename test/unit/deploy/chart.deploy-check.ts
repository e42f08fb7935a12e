/**
 * Unit tests of the Helm chart over `helm template` output (node:test; run by
 * `npm run deploy:check`, which installs helm first — not by jest, so `npm test` needs no helm).
 *
 *   HELM=.tools/bin/helm KUBE_VERSION=1.37.0 node --test test/unit/deploy/chart.deploy-check.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

const root = resolve(import.meta.dirname, '../../..');
const chart = join(root, 'deploy/helm/kafka-ecommerce-pipeline');
const helm = process.env.HELM ?? join(root, '.tools/bin/helm');
const kubeVersion = process.env.KUBE_VERSION ?? '1.37.0';

if (!existsSync(helm))
  throw new Error(`helm not found at ${helm}: run \`npm run deploy:check\` (it installs it)`);

// Loose views of the rendered objects: only what the tests read.
interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // The shapes differ per kind: the tests read it with get().
  spec?: unknown;
  data?: Record<string, string>;
}

function run(args: string[]): string {
  return execFileSync(helm, ['template', 'orders', chart, '--kube-version', kubeVersion, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function render(...args: string[]): K8sObject[] {
  return parseAllDocuments(run(args))
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The error helm prints when rendering fails. */
function renderError(...args: string[]): string {
  try {
    run(args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  assert.fail(`rendering with ${args.join(' ')} should have failed`);
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
function only(objects: K8sObject[], kind: string): K8sObject {
  const found = byKind(objects, kind);
  assert.equal(found.length, 1, `one ${kind} expected, found ${found.length}`);
  return found[0];
}

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

function podSpec(sts: K8sObject) {
  return get(sts, 'spec.template.spec') as {
    securityContext: Record<string, unknown>;
    containers: Container[];
    initContainers?: Container[];
    terminationGracePeriodSeconds: number;
    volumes: { name: string; emptyDir?: unknown }[];
  };
}

const production = ['-f', join(chart, 'values-production.yaml')];
const defaults = render();

describe('the HPA carries the seed rule: CPU above 70 % for 5 minutes', () => {
  for (const [name, args] of [
    ['default values', []],
    ['production values', production],
  ] as const) {
    it(`targets 70 % average CPU utilization with a 300 s scale-up window (${name})`, () => {
      const objects = name === 'default values' ? defaults : render(...args);
      const hpa = only(objects, 'HorizontalPodAutoscaler');
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      assert.deepEqual(get(hpa, 'spec.metrics'), [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ]);
      assert.equal(get(hpa, 'spec.behavior.scaleUp.stabilizationWindowSeconds'), 300);
      const sts = only(objects, 'StatefulSet');
      assert.deepEqual(get(hpa, 'spec.scaleTargetRef'), {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: sts.metadata.name,
      });
      // Utilization is relative to the request: every container must request CPU.
      for (const c of podSpec(sts).containers)
        assert.ok(c.resources?.requests?.cpu, `${c.name} requests CPU`);
      // The autoscaler owns the replica count.
      assert.equal(get(sts, 'spec.replicas'), undefined);
    });
  }

  it('caps maxReplicas at the partition count', () => {
    const hpa = only(defaults, 'HorizontalPodAutoscaler');
    const partitions = Number(only(defaults, 'ConfigMap').data?.PARTITIONS);
    assert.ok((get(hpa, 'spec.maxReplicas') as number) <= partitions);
  });

  it('fails to render when maxReplicas is above the partitions', () => {
    const error = renderError(
      '--set',
      'workloads.saga.autoscaling.maxReplicas=4',
      '--set',
      'kafka.partitions=3',
    );
    assert.match(
      error,
      /autoscaling\.maxReplicas \(4\) × streamProcesses \(1\) is above kafka\.partitions \(3\)/,
    );
  });

  it('fails to render when maxReplicas × streamProcesses is above the partitions', () => {
    const error = renderError('--set', 'workloadDefaults.streamProcesses=2');
    assert.match(
      error,
      /autoscaling\.maxReplicas \(3\) × streamProcesses \(2\) is above kafka\.partitions \(3\)/,
    );
  });

  it('fails to render when fixed replicas exceed the partitions (autoscaling off)', () => {
    const error = renderError(
      '--set',
      'workloadDefaults.autoscaling.enabled=false',
      '--set',
      'workloadDefaults.replicas=5',
    );
    assert.match(error, /replicas \(5\) × streamProcesses \(1\) is above kafka\.partitions \(3\)/);
  });

  it('fails to render when minReplicas is above maxReplicas', () => {
    assert.match(
      renderError(
        '--set',
        'workloadDefaults.autoscaling.minReplicas=3',
        '--set',
        'workloadDefaults.autoscaling.maxReplicas=2',
      ),
      /minReplicas \(3\) is above autoscaling\.maxReplicas \(2\)/,
    );
  });
});

describe('the StatefulSet', () => {
  const sts = only(defaults, 'StatefulSet');
  const spec = podSpec(sts);
  const container = spec.containers[0];
  const env = new Map(container.env?.map((e) => [e.name, e]));
  const config = only(defaults, 'ConfigMap');

  it('keeps the RocksDB state dir on a PVC per pod', () => {
    const claims = get(sts, 'spec.volumeClaimTemplates') as { metadata: { name: string }; spec: unknown }[];
    assert.equal(claims.length, 1);
    assert.equal(claims[0].metadata.name, 'state');
    assert.ok(get(claims[0], 'spec.resources.requests.storage'));
    const stateDir = config.data?.STATE_DIR;
    assert.ok(stateDir);
    assert.deepEqual(
      container.volumeMounts?.find((m) => m.name === 'state'),
      { name: 'state', mountPath: stateDir },
    );
    assert.equal(
      spec.volumes.some((v) => v.name === 'state'),
      false,
      'the state volume comes from the claim template',
    );
  });

  it('starts pods in parallel', () => {
    assert.equal(get(sts, 'spec.podManagementPolicy'), 'Parallel');
  });

  it('wires static membership: INSTANCE_ID is the pod name', () => {
    assert.deepEqual(env.get('INSTANCE_ID')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
    assert.deepEqual(env.get('POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  });

  it('gives APPLICATION_SERVER the pod DNS name under the headless service, with the HTTP port', () => {
    const serviceName = get(sts, 'spec.serviceName') as string;
    const headless = byKind(defaults, 'Service').find((s) => s.metadata.name === serviceName);
    assert.ok(headless, `headless service ${serviceName}`);
    assert.equal(get(headless, 'spec.clusterIP'), 'None');
    assert.equal(
      env.get('APPLICATION_SERVER')?.value,
      `$(POD_NAME).${serviceName}.$(POD_NAMESPACE).svc.cluster.local:${config.data?.HTTP_PORT}`,
    );
    // And a regular service for the order API.
    assert.ok(byKind(defaults, 'Service').some((s) => get(s, 'spec.clusterIP') !== 'None'));
  });

  it('probes /healthz for liveness and /readyz for readiness', () => {
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
  });

  it('gives the clean close time, and runs every saga service by default', () => {
    assert.ok(spec.terminationGracePeriodSeconds >= 30);
    assert.equal(env.get('SERVICES')?.value, 'core,payment,notification,read-model');
    assert.equal(config.data?.HTTP_HOST, '0.0.0.0');
  });

  it('makes the app create its own topics (changelogs, repartitions) with 3 replicas', () => {
    assert.equal(config.data?.REPLICATION_FACTOR, '3');
  });

  it('has a PodDisruptionBudget over its pods', () => {
    const pdb = only(defaults, 'PodDisruptionBudget');
    assert.deepEqual(get(pdb, 'spec.selector.matchLabels'), get(sts, 'spec.selector.matchLabels'));
  });
});

describe('no container runs as root', () => {
  for (const [name, args] of [
    ['default values', []],
    ['production values', production],
  ] as const) {
    it(`non-root, no privilege escalation, read-only root filesystem with /tmp writable (${name})`, () => {
      for (const sts of byKind(name === 'default values' ? defaults : render(...args), 'StatefulSet')) {
        const spec = podSpec(sts);
        assert.equal(spec.securityContext.runAsNonRoot, true);
        assert.notEqual(spec.securityContext.runAsUser, 0);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          assert.equal(c.securityContext?.runAsNonRoot, true, `${c.name} runAsNonRoot`);
          assert.notEqual(c.securityContext?.runAsUser, 0, `${c.name} runAsUser`);
          assert.equal(
            c.securityContext?.allowPrivilegeEscalation,
            false,
            `${c.name} allowPrivilegeEscalation`,
          );
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name} readOnlyRootFilesystem`);
          assert.ok(c.volumeMounts?.some((m) => m.mountPath === '/tmp'));
        }
        assert.ok(spec.volumes.some((v) => v.name === 'tmp' && v.emptyDir));
      }
    });
  }

  it('refuses values that would run as root', () => {
    assert.match(renderError('--set', 'podSecurityContext.runAsNonRoot=false'), /runAsNonRoot/);
    assert.match(renderError('--set', 'containerSecurityContext.runAsUser=0'), /runAsUser/);
  });
});

describe('values are checked', () => {
  it('refuses a workload with an unknown or no service', () => {
    assert.match(renderError('--set', 'workloads.saga.services={shipping}'), /services/);
    assert.match(
      renderError('--set', 'workloads.saga.services=null', '--set', 'workloadDefaults.services=null'),
      /services/,
    );
  });

  it('refuses unknown settings', () => {
    assert.match(renderError('--set', 'workloads.saga.replica=2'), /additional properties 'replica'/);
  });

  it('refuses SASL without credentials', () => {
    assert.match(renderError('--set', 'kafka.sasl.enabled=true'), /kafka\.sasl\.username/);
  });
});

describe('one workload per service (values-per-service.yaml)', () => {
  const split = render(...production, '-f', join(chart, 'values-per-service.yaml'));
  const services = (sts: K8sObject) =>
    podSpec(sts).containers[0].env?.find((e) => e.name === 'SERVICES')?.value;

  it('runs one StatefulSet per service, each with its own HPA at 70 % / 300 s and PDB', () => {
    const sets = byKind(split, 'StatefulSet');
    assert.deepEqual(sets.map(services).sort(), ['core', 'notification', 'payment', 'read-model']);
    const hpas = byKind(split, 'HorizontalPodAutoscaler');
    assert.deepEqual(
      hpas.map((h) => get(h, 'spec.scaleTargetRef.name')).sort(),
      sets.map((s) => s.metadata.name).sort(),
    );
    for (const hpa of hpas) {
      assert.equal(get(hpa, 'spec.metrics.0.resource.target.averageUtilization'), 70);
      assert.equal(get(hpa, 'spec.behavior.scaleUp.stabilizationWindowSeconds'), 300);
    }
    assert.equal(byKind(split, 'PodDisruptionBudget').length, 4);
    // Each workload's own headless service, pod selector and PVC.
    for (const sts of sets) {
      assert.equal(get(sts, 'spec.serviceName'), `${sts.metadata.name}-headless`);
      assert.equal((get(sts, 'spec.volumeClaimTemplates') as unknown[]).length, 1);
    }
  });

  it('counts stream processes only where core runs', () => {
    // 12 partitions: core may have 6 pods × 2 processes, payment 12 pods of one process.
    const values = [...production, '-f', join(chart, 'values-per-service.yaml')];
    render(...values, '--set', 'workloads.payment.autoscaling.maxReplicas=12');
    assert.match(
      renderError(...values, '--set', 'workloads.core.autoscaling.maxReplicas=7'),
      /workloads\.core\.autoscaling\.maxReplicas \(7\) × streamProcesses \(2\) is above kafka\.partitions \(12\)/,
    );
  });
});

describe('optional objects', () => {
  it('renders no KEDA, Prometheus Operator or dashboard objects by default', () => {
    for (const kind of ['ScaledObject', 'PodMonitor', 'PrometheusRule'])
      assert.equal(byKind(defaults, kind).length, 0);
    assert.equal(byKind(defaults, 'ConfigMap').length, 1);
  });

  it('replaces the HPA by a KEDA ScaledObject on the lag of each service group', () => {
    const objects = render('--set', 'workloadDefaults.keda.enabled=true');
    assert.equal(byKind(objects, 'HorizontalPodAutoscaler').length, 0);
    const scaled = only(objects, 'ScaledObject');
    assert.equal(get(scaled, 'spec.scaleTargetRef.kind'), 'StatefulSet');
    const triggers = get(scaled, 'spec.triggers') as { type: string; metadata: Record<string, string> }[];
    assert.deepEqual(
      triggers.map((t) => [t.type, t.metadata.consumerGroup]),
      [
        ['kafka', 'ecommerce-saga'],
        ['kafka', 'ecommerce-saga-payment'],
        ['kafka', 'ecommerce-saga-notification'],
        ['kafka', 'ecommerce-saga-read-model'],
      ],
    );
    assert.equal(
      get(scaled, 'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds'),
      300,
    );
    assert.match(
      renderError(
        '--set',
        'workloadDefaults.keda.enabled=true',
        '--set',
        'workloadDefaults.keda.maxReplicaCount=9',
      ),
      /keda\.maxReplicaCount \(9\) × streamProcesses \(1\) is above kafka\.partitions \(3\)/,
    );
  });

  it('scrapes every service of a workload with a PodMonitor, on the one /metrics of the process', () => {
    const monitor = only(render('--set', 'metrics.podMonitor.enabled=true'), 'PodMonitor');
    const endpoints = get(monitor, 'spec.podMetricsEndpoints') as { path: string; port: string }[];
    // /metrics/<service> is still served for a look by hand; scraping it too would duplicate series.
    assert.deepEqual(
      endpoints.map((e) => e.path),
      ['/metrics'],
    );
  });

  /** Renders a copy of the chart whose dashboards/ holds exactly the given files. */
  function renderWithDashboards(files: Record<string, string>): K8sObject[] {
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    try {
      cpSync(chart, dir, { recursive: true });
      rmSync(join(dir, 'dashboards'), { recursive: true, force: true });
      mkdirSync(join(dir, 'dashboards'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'dashboards', name), text);
      const out = execFileSync(
        helm,
        ['template', 'orders', dir, '--kube-version', kubeVersion, '--set', 'grafanaDashboards.enabled=true'],
        { encoding: 'utf8' },
      );
      return parseAllDocuments(out)
        .map((d) => d.toJSON() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('ships the chart dashboards as a ConfigMap with the sidecar label', () => {
    const dashboards = renderWithDashboards({ 'saga.json': '{"title":"Saga"}\n' }).find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboards'),
    );
    assert.ok(dashboards);
    assert.equal(dashboards.metadata.labels?.grafana_dashboard, '1');
    assert.equal(dashboards.data?.['saga.json'], '{"title":"Saga"}');
  });

  it("ships the project's dashboards and alert rules, not copies that could drift", () => {
    const objects = render(
      '--set',
      'grafanaDashboards.enabled=true',
      '--set',
      'metrics.prometheusRule.enabled=true',
    );
    const dashboards = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboards'));
    assert.deepEqual(
      Object.keys(dashboards?.data ?? {}).sort(),
      readdirSync(join(root, 'deploy/grafana/dashboards')).sort(),
    );
    const rule = only(objects, 'PrometheusRule');
    const alerts = (get(rule, 'spec.groups') as { rules: { alert: string }[] }[]).flatMap((g) =>
      g.rules.map((r) => r.alert),
    );
    const projectAlerts = [
      ...readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g),
    ].map((m) => m[1]);
    assert.ok(projectAlerts.length >= 8);
    for (const alert of projectAlerts)
      assert.ok(alerts.includes(alert as string), `${alert} missing from the PrometheusRule`);
  });

  it('renders without dashboards when there are none, even when enabled', () => {
    assert.equal(byKind(renderWithDashboards({}), 'ConfigMap').length, 1);
  });
});
