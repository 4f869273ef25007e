import { describe, expect, it } from 'vitest';
import {
  container,
  deployment,
  findings,
  obj,
  pod,
  recommendedLabels,
  service,
  snapshot,
  workload,
} from './fixtures.js';

describe('probes', () => {
  it('reports missing liveness and readiness probes per container, with a patch when a port is known', () => {
    const d = deployment('web', {
      containers: [container({ probes: false, ports: [{ containerPort: 8080 }] })],
    });
    const [live] = findings('container-liveness-probe-missing', snapshot([d]));
    expect(live?.message).toContain('container "app" of Deployment shop/web');
    expect(live?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                livenessProbe: {
                  tcpSocket: { port: 8080 },
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
              },
            ],
          },
        },
      },
    });
    expect(findings('container-readiness-probe-missing', snapshot([d]))).toHaveLength(1);
    expect(findings('container-readiness-probe-missing', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('judges pods through their owner, and skips batch workloads', () => {
    const d = deployment('web', { containers: [container({ probes: false })] });
    const owned = pod('web-1', { owner: d, containers: [container({ probes: false })] });
    expect(
      findings('container-liveness-probe-missing', snapshot([d, owned])).map(
        (f) => f.resource.kind,
      ),
    ).toEqual(['Deployment']);
    const job = obj(
      'batch/v1',
      'Job',
      'migrate',
      { spec: { template: { spec: { containers: [container({ probes: false })] } } } },
      { namespace: 'shop' },
    );
    expect(findings('container-liveness-probe-missing', snapshot([job]))).toEqual([]);
  });
});

describe('resources', () => {
  it('reports missing requests and limits', () => {
    const d = deployment('web', {
      containers: [container({ resources: { requests: { cpu: '100m' }, limits: { cpu: '1' } } })],
    });
    expect(findings('container-requests-missing', snapshot([d]))[0]?.message).toContain(
      'no memory request',
    );
    const [limits] = findings('container-limits-missing', snapshot([d]));
    expect(limits?.severity).toBe('warning');
    const cpuOnly = deployment('api', {
      containers: [
        container({
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } },
        }),
      ],
    });
    expect(findings('container-limits-missing', snapshot([cpuOnly]))[0]?.severity).toBe('low');
    expect(findings('container-requests-missing', snapshot([deployment('ok')]))).toEqual([]);
  });
});

describe('images', () => {
  const withImage = (image: string, imagePullPolicy?: string) =>
    deployment('web', {
      containers: [container({ image, ...(imagePullPolicy ? { imagePullPolicy } : {}) })],
    });

  it('reports latest and untagged images as warnings and tag-only images as low', () => {
    expect(findings('image-tag-latest', snapshot([withImage('nginx:latest')]))[0]?.severity).toBe(
      'warning',
    );
    expect(
      findings('image-tag-latest', snapshot([withImage('registry.local:5000/team/nginx')]))[0]
        ?.message,
    ).toContain('without a tag');
    expect(findings('image-tag-latest', snapshot([withImage('nginx:1.27')]))).toEqual([]);
    expect(findings('image-not-pinned', snapshot([withImage('nginx:1.27')]))[0]?.severity).toBe(
      'low',
    );
    expect(findings('image-not-pinned', snapshot([withImage('nginx:latest')]))).toEqual([]);
    expect(
      findings('image-not-pinned', snapshot([withImage(`nginx:1.27@sha256:${'b'.repeat(64)}`)])),
    ).toEqual([]);
  });

  it('reports IfNotPresent with a mutable tag', () => {
    expect(
      findings('image-pull-policy', snapshot([withImage('nginx:latest', 'IfNotPresent')])),
    ).toHaveLength(1);
    expect(
      findings('image-pull-policy', snapshot([withImage('nginx:1.27', 'IfNotPresent')])),
    ).toEqual([]);
  });
});

describe('availability of production workloads', () => {
  const pdb = (app: string, namespace = 'prod') =>
    obj(
      'policy/v1',
      'PodDisruptionBudget',
      app,
      { spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } },
      { namespace },
    );

  it('reports a single replica only for production namespaces (default globs and explicit options)', () => {
    const prod = deployment('web', { namespace: 'prod', replicas: 1 });
    const dev = deployment('web', { namespace: 'dev', replicas: 1 });
    expect(
      findings('workload-single-replica', snapshot([prod, dev])).map((f) => f.resource.namespace),
    ).toEqual(['prod']);
    const options = { productionNamespaces: ['dev'] };
    expect(
      findings('workload-single-replica', snapshot([prod, dev], { options })).map(
        (f) => f.resource.namespace,
      ),
    ).toEqual(['dev']);
    const labelled = deployment('api', {
      namespace: 'apps',
      replicas: 1,
      labels: { tier: 'prod' },
    });
    expect(
      findings(
        'workload-single-replica',
        snapshot([labelled], { options: { productionLabels: { tier: 'prod' } } }),
      ),
    ).toHaveLength(1);
  });

  it('counts an HPA minimum as the replica floor', () => {
    const prod = deployment('web', { namespace: 'prod', replicas: 1 });
    const hpa = obj(
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      'web',
      {
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'web' },
          minReplicas: 3,
          maxReplicas: 6,
        },
      },
      { namespace: 'prod' },
    );
    expect(findings('workload-single-replica', snapshot([prod, hpa]))).toEqual([]);
  });

  it('reports production workloads without a PodDisruptionBudget', () => {
    const prod = deployment('web', { namespace: 'prod', replicas: 3 });
    expect(findings('workload-no-pdb', snapshot([prod]))).toHaveLength(1);
    expect(findings('workload-no-pdb', snapshot([prod, pdb('web')]))).toEqual([]);
    expect(findings('workload-no-pdb', snapshot([prod, pdb('web', 'other')]))).toHaveLength(1);
  });

  it('reports any workload that can have two pods without a PDB, low outside production', () => {
    const [dev] = findings('workload-no-pdb', snapshot([deployment('web', { replicas: 2 })]));
    expect(dev?.severity).toBe('low');
    expect(dev?.message).toBe(
      'Deployment shop/web has no PodDisruptionBudget; a drain can evict all its pods together.',
    );
    // One replica now, but its autoscaler may run five.
    const scaled = deployment('api', { namespace: 'prod', replicas: 1 });
    const hpa = obj(
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      'api',
      {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          minReplicas: 1,
          maxReplicas: 5,
        },
      },
      { namespace: 'prod' },
    );
    expect(
      findings('workload-no-pdb', snapshot([scaled, hpa])).map((f) => [
        f.resource.name,
        f.severity,
      ]),
    ).toEqual([['api', 'warning']]);
    expect(
      findings(
        'workload-no-pdb',
        snapshot([deployment('one', { namespace: 'prod', replicas: 1 })]),
      ),
    ).toEqual([]);
  });

  it('reports multi-replica workloads without spreading, with a topology spread patch', () => {
    const [f] = findings('workload-no-spread', snapshot([deployment('web', { replicas: 3 })]));
    expect(f?.remediation.patch?.body).toMatchObject({
      spec: {
        template: {
          spec: { topologySpreadConstraints: [{ topologyKey: 'kubernetes.io/hostname' }] },
        },
      },
    });
    const spread = deployment('web', {
      replicas: 3,
      spec: {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
          },
        ],
      },
    });
    expect(findings('workload-no-spread', snapshot([spread]))).toEqual([]);
    expect(findings('workload-no-spread', snapshot([deployment('one', { replicas: 1 })]))).toEqual(
      [],
    );
  });
});

describe('API versions', () => {
  it('reports removed API versions from the object or from kubectl last-applied', () => {
    const ingress = obj(
      'extensions/v1beta1',
      'Ingress',
      'web',
      { spec: {} },
      { namespace: 'shop' },
    );
    const cron = obj(
      'batch/v1beta1',
      'CronJob',
      'report',
      { spec: { schedule: '@daily' } },
      { namespace: 'shop' },
    );
    const hpa = obj(
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      'web',
      { spec: {} },
      {
        namespace: 'shop',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            apiVersion: 'autoscaling/v2beta2',
            kind: 'HorizontalPodAutoscaler',
          }),
        },
      },
    );
    const list = findings('api-deprecated', snapshot([ingress, cron, hpa, deployment('ok')]));
    expect(list.map((f) => f.evidence[0]?.value).sort()).toEqual([
      'autoscaling/v2beta2',
      'batch/v1beta1',
      'extensions/v1beta1',
    ]);
    expect(list.find((f) => f.resource.kind === 'Ingress')?.message).toContain(
      'networking.k8s.io/v1',
    );
  });
});

describe('labels', () => {
  it('reports workloads and Services without app.kubernetes.io/name and instance', () => {
    const bare = deployment('web', { labels: { app: 'web' } });
    const [f] = findings(
      'labels-recommended',
      snapshot([bare, service('web', { app: 'web' }), workload('DaemonSet', 'agent')]),
    );
    expect(f?.resource.name).toBe('web');
    expect(f?.remediation.patch?.body).toEqual({
      metadata: {
        labels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' },
      },
    });
    expect(
      findings(
        'labels-recommended',
        snapshot([deployment('ok', { labels: recommendedLabels('ok') })]),
      ),
    ).toEqual([]);
  });
});
