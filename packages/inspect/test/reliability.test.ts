import { describe, expect, it } from 'vitest';
import {
  container,
  deployment,
  event,
  findings,
  minutesAgo,
  obj,
  pod,
  runningStatus,
  service,
  snapshot,
  workload,
} from './fixtures.js';

const waiting = (reason: string, extra: Record<string, unknown> = {}) => ({
  phase: 'Pending',
  containerStatuses: [
    {
      name: 'app',
      ready: false,
      restartCount: 7,
      image: 'shop/app:9',
      state: { waiting: { reason, message: 'back-off' } },
      ...extra,
    },
  ],
});

describe('pod rules', () => {
  it('reports an unschedulable pod with the scheduler message', () => {
    const p = pod('web-1', {
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient cpu.',
          },
        ],
      },
    });
    const [f] = findings(
      'pod-unschedulable',
      snapshot([p], {
        events: [event(p, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.')],
      }),
    );
    expect(f?.message).toContain('3 Insufficient cpu');
    expect(f?.evidence.some((e) => e.type === 'event')).toBe(true);
    expect(
      findings('pod-unschedulable', snapshot([pod('ok', { status: runningStatus() })])),
    ).toEqual([]);
  });

  it('uses the FailedScheduling event when the condition is absent', () => {
    const p = pod('web-2', { status: { phase: 'Pending' } });
    const list = findings(
      'pod-unschedulable',
      snapshot([p], { events: [event(p, 'FailedScheduling', 'node(s) had untolerated taint')] }),
    );
    expect(list[0]?.message).toContain('untolerated taint');
  });

  it('reports evicted pods', () => {
    const p = pod('web-3', {
      status: {
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
      },
    });
    expect(findings('pod-evicted', snapshot([p]))[0]?.message).toContain('low on resource: memory');
    expect(
      findings(
        'pod-evicted',
        snapshot([pod('ok', { status: { phase: 'Failed', reason: 'Error' } })]),
      ),
    ).toEqual([]);
  });

  it('reports CrashLoopBackOff with the last exit reason and code', () => {
    const p = pod('web-4', {
      status: waiting('CrashLoopBackOff', {
        lastState: { terminated: { reason: 'Error', exitCode: 127 } },
      }),
    });
    const [f] = findings('pod-crashloop', snapshot([p]));
    expect(f?.severity).toBe('critical');
    expect(f?.message).toMatch(/reason Error and code 127 \(command not found\)/);
    expect(findings('pod-crashloop', snapshot([pod('ok', { status: runningStatus() })]))).toEqual(
      [],
    );
  });

  it('reports image pull errors', () => {
    for (const reason of ['ImagePullBackOff', 'ErrImagePull']) {
      const [f] = findings('pod-image-pull', snapshot([pod('web-5', { status: waiting(reason) })]));
      expect(f?.message).toContain(reason);
    }
    expect(
      findings(
        'pod-image-pull',
        snapshot([pod('web-5', { status: waiting('ContainerCreating') })]),
      ),
    ).toEqual([]);
  });

  it('reports container configuration errors', () => {
    const p = pod('web-6', {
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            state: {
              waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' },
            },
          },
        ],
      },
    });
    expect(findings('pod-config-error', snapshot([p]))[0]?.message).toContain(
      'secret "db" not found',
    );
    expect(
      findings('pod-config-error', snapshot([pod('ok', { status: runningStatus() })])),
    ).toEqual([]);
  });

  it('reports OOMKilled containers with a patch raising the limit on the owning Deployment', () => {
    const d = deployment('api');
    const p = pod('api-1', {
      owner: d,
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
          },
        ],
      },
    });
    const [f] = findings('pod-oomkilled', snapshot([d, p]));
    expect(f?.message).toContain('memory limit of 256Mi');
    expect(f?.remediation.patch?.target?.name).toBe('api');
    expect(f?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                resources: { limits: { memory: '384Mi' }, requests: { memory: '384Mi' } },
              },
            ],
          },
        },
      },
    });
  });

  it('reports pods running but failing readiness for more than a few minutes', () => {
    const status = (since: number) => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: minutesAgo(since) }],
      containerStatuses: [{ name: 'app', ready: false, state: { running: {} } }],
    });
    const p = pod('web-7', { status: status(30) });
    const [f] = findings(
      'pod-not-ready',
      snapshot([p], {
        events: [
          event(p, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'),
        ],
      }),
    );
    expect(f?.message).toContain('statuscode: 503');
    expect(findings('pod-not-ready', snapshot([pod('starting', { status: status(1) })]))).toEqual(
      [],
    );
  });

  it('stays quiet on pods without status (manifests)', () => {
    const rules = ['pod-unschedulable', 'pod-evicted', 'pod-crashloop', 'pod-not-ready'];
    for (const rule of rules) expect(findings(rule, snapshot([pod('declared')]))).toEqual([]);
  });
});

describe('workload rules', () => {
  it('reports Deployments below their desired replicas, critical when none are available', () => {
    const none = deployment('a', { replicas: 3, status: { replicas: 3, availableReplicas: 0 } });
    const some = deployment('b', { replicas: 3, status: { replicas: 3, availableReplicas: 2 } });
    const ok = deployment('c', { replicas: 3, status: { replicas: 3, availableReplicas: 3 } });
    const list = findings('workload-unavailable', snapshot([none, some, ok]));
    expect(list.map((f) => [f.resource.name, f.severity])).toEqual([
      ['a', 'critical'],
      ['b', 'high'],
    ]);
  });

  it('does not report a Deployment that is mid-rollout with pods still available', () => {
    const rolling = deployment('a', {
      replicas: 3,
      status: {
        availableReplicas: 2,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
      },
    });
    const stalled = deployment('b', {
      replicas: 3,
      status: {
        availableReplicas: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    });
    expect(
      findings('workload-unavailable', snapshot([rolling, stalled])).map((f) => f.resource.name),
    ).toEqual(['b']);
  });

  it('ignores pods held by scheduling gates', () => {
    const gated = pod('gated', {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      },
    });
    expect(findings('pod-unschedulable', snapshot([gated]))).toEqual([]);
  });

  it('covers StatefulSets and DaemonSets, and skips ReplicaSets owned by a Deployment', () => {
    const sts = workload('StatefulSet', 'db', { replicas: 2, status: { readyReplicas: 1 } });
    const ds = workload('DaemonSet', 'agent', {
      status: { desiredNumberScheduled: 4, numberAvailable: 3 },
    });
    const d = deployment('web', { status: { availableReplicas: 3 } });
    const rs = obj(
      'apps/v1',
      'ReplicaSet',
      'web-abc',
      { spec: { replicas: 3 }, status: { readyReplicas: 0 } },
      {
        namespace: 'shop',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: d.metadata.uid,
            controller: true,
          },
        ],
      },
    );
    const names = findings('workload-unavailable', snapshot([sts, ds, d, rs])).map(
      (f) => f.resource.name,
    );
    expect(names.sort()).toEqual(['agent', 'db']);
  });

  it('reports ReplicaSets that cannot create pods', () => {
    const rs = obj(
      'apps/v1',
      'ReplicaSet',
      'web-1',
      {
        spec: { replicas: 1 },
        status: {
          conditions: [
            { type: 'ReplicaFailure', status: 'True', message: 'exceeded quota: compute' },
          ],
        },
      },
      { namespace: 'shop' },
    );
    expect(findings('replicaset-create-failure', snapshot([rs]))[0]?.message).toContain(
      'exceeded quota',
    );
  });

  it('reports a StatefulSet whose governing Service is missing', () => {
    const sts = workload('StatefulSet', 'db', { workloadSpec: { serviceName: 'db-headless' } });
    expect(findings('statefulset-service-missing', snapshot([sts]))).toHaveLength(1);
    expect(
      findings(
        'statefulset-service-missing',
        snapshot([sts, service('db-headless', { app: 'db' })]),
      ),
    ).toEqual([]);
  });
});

describe('job rules', () => {
  const cron = (schedule: string, extra: Record<string, unknown> = {}) =>
    obj(
      'batch/v1',
      'CronJob',
      'report',
      {
        spec: {
          schedule,
          ...extra,
          jobTemplate: { spec: { template: { spec: { containers: [container()] } } } },
        },
      },
      { namespace: 'shop' },
    );

  it('reports failed Jobs with the reason', () => {
    const job = obj(
      'batch/v1',
      'Job',
      'migrate',
      {
        status: {
          failed: 6,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        },
      },
      { namespace: 'shop' },
    );
    expect(findings('job-failed', snapshot([job]))[0]?.message).toContain('BackoffLimitExceeded');
    const done = obj(
      'batch/v1',
      'Job',
      'ok',
      { status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } },
      { namespace: 'shop' },
    );
    expect(findings('job-failed', snapshot([done]))).toEqual([]);
  });

  it('reports suspended CronJobs with a patch that resumes them', () => {
    const [f] = findings('cronjob-suspended', snapshot([cron('@daily', { suspend: true })]));
    expect(f?.remediation.patch?.body).toEqual({ spec: { suspend: false } });
    expect(findings('cronjob-suspended', snapshot([cron('@daily')]))).toEqual([]);
  });

  it('reports invalid schedules', () => {
    expect(
      findings('cronjob-invalid-schedule', snapshot([cron('*/5 * * *')]))[0]?.message,
    ).toContain('expected 5 fields');
    expect(
      findings('cronjob-invalid-schedule', snapshot([cron('0 25 * * *')]))[0]?.message,
    ).toContain('outside 0-23');
    expect(findings('cronjob-invalid-schedule', snapshot([cron('0 3 * * MON-FRI')]))).toEqual([]);
  });
});

describe('service and network rules', () => {
  it('reports a Service whose selector matches nothing', () => {
    const [f] = findings(
      'service-selector-no-match',
      snapshot([
        service('web', { app: 'wbe' }),
        pod('web-1', { labels: { app: 'web' }, status: runningStatus() }),
      ]),
    );
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('app=wbe');
    expect(
      findings(
        'service-selector-no-match',
        snapshot([
          service('web', { app: 'web' }),
          pod('web-1', { labels: { app: 'web' }, status: runningStatus() }),
        ]),
      ),
    ).toEqual([]);
  });

  it('treats a matching workload with no pods as scaled to zero on a cluster, and as fine in manifests', () => {
    const objects = [service('web', { app: 'web' }), deployment('web', { replicas: 0 })];
    expect(findings('service-selector-no-match', snapshot(objects))[0]?.severity).toBe('warning');
    expect(
      findings('service-selector-no-match', snapshot(objects, { source: 'manifests' })),
    ).toEqual([]);
  });

  it('ignores ExternalName Services and Services without selector', () => {
    const external = service('ext', { app: 'none' }, 'shop', {
      type: 'ExternalName',
      externalName: 'example.com',
    });
    expect(
      findings('service-selector-no-match', snapshot([external, service('manual', undefined)])),
    ).toEqual([]);
  });

  it('reports a Service whose pods are all unready', () => {
    const svc = service('web', { app: 'web' });
    const p = pod('web-1', { labels: { app: 'web' }, status: runningStatus() });
    const endpoints = (ready: boolean) =>
      obj(
        'v1',
        'Endpoints',
        'web',
        { subsets: [{ [ready ? 'addresses' : 'notReadyAddresses']: [{ ip: '10.0.0.1' }] }] },
        { namespace: 'shop' },
      );
    expect(findings('service-no-endpoints', snapshot([svc, p, endpoints(false)]))).toHaveLength(1);
    expect(findings('service-no-endpoints', snapshot([svc, p, endpoints(true)]))).toEqual([]);
    const slice = obj(
      'discovery.k8s.io/v1',
      'EndpointSlice',
      'web-x',
      { endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false } }] },
      { namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    );
    expect(findings('service-no-endpoints', snapshot([svc, p, slice]))).toHaveLength(1);
  });

  it('reports NetworkPolicies selecting no pods', () => {
    const policy = (app: string) =>
      obj(
        'networking.k8s.io/v1',
        'NetworkPolicy',
        `np-${app}`,
        { spec: { podSelector: { matchLabels: { app } } } },
        { namespace: 'shop' },
      );
    const objects = [deployment('web')];
    expect(findings('networkpolicy-no-pods', snapshot([...objects, policy('ghost')]))).toHaveLength(
      1,
    );
    expect(findings('networkpolicy-no-pods', snapshot([...objects, policy('web')]))).toEqual([]);
  });
});

describe('ingress rules', () => {
  const ingress = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
    obj(
      'networking.k8s.io/v1',
      'Ingress',
      'web',
      { spec },
      { namespace: 'shop', ...(annotations ? { annotations } : {}) },
    );
  const route = (serviceName: string, port = 80) => ({
    rules: [
      {
        host: 'shop.example.com',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: serviceName, port: { number: port } } },
            },
          ],
        },
      },
    ],
  });
  const nginx = obj('networking.k8s.io/v1', 'IngressClass', 'nginx', {
    spec: { controller: 'k8s.io/ingress-nginx' },
  });

  it('reports a missing IngressClass', () => {
    expect(
      findings(
        'ingress-class-missing',
        snapshot([nginx, ingress({ ingressClassName: 'traefik', ...route('web') })]),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        'ingress-class-missing',
        snapshot([nginx, ingress({ ingressClassName: 'nginx', ...route('web') })]),
      ),
    ).toEqual([]);
    expect(
      findings('ingress-class-missing', snapshot([nginx, ingress(route('web'))]))[0]?.severity,
    ).toBe('warning');
  });

  it('reports a backend Service or port that does not exist', () => {
    expect(
      findings('ingress-backend-missing', snapshot([ingress(route('api'))]))[0]?.message,
    ).toContain('Service "api"');
    expect(
      findings(
        'ingress-backend-missing',
        snapshot([service('web', { app: 'web' }), ingress(route('web', 8443))]),
      )[0]?.message,
    ).toContain('port 8443');
    expect(
      findings(
        'ingress-backend-missing',
        snapshot([service('web', { app: 'web' }), ingress(route('web'))]),
      ),
    ).toEqual([]);
  });

  it('reports a missing TLS Secret unless cert-manager issues it from manifests', () => {
    const tls = { ...route('web'), tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }] };
    expect(findings('ingress-tls-secret-missing', snapshot([ingress(tls)]))[0]?.severity).toBe(
      'high',
    );
    const secret = obj(
      'v1',
      'Secret',
      'web-tls',
      { type: 'kubernetes.io/tls' },
      { namespace: 'shop' },
    );
    expect(findings('ingress-tls-secret-missing', snapshot([ingress(tls), secret]))).toEqual([]);
    const managed = ingress(tls, { 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(findings('ingress-tls-secret-missing', snapshot([managed]))[0]?.severity).toBe(
      'warning',
    );
    expect(
      findings('ingress-tls-secret-missing', snapshot([managed, secret], { source: 'manifests' })),
    ).toEqual([]);
  });
});

describe('storage, node, webhook, autoscaling and condition rules', () => {
  const pvc = (phase: string, extra: Record<string, unknown> = {}) =>
    obj(
      'v1',
      'PersistentVolumeClaim',
      'data',
      { spec: { storageClassName: 'fast', ...extra }, status: { phase } },
      { namespace: 'shop' },
    );
  const fast = obj('storage.k8s.io/v1', 'StorageClass', 'fast', { provisioner: 'csi.example.com' });

  it('reports Pending and Lost claims', () => {
    const pending = pvc('Pending');
    const [f] = findings(
      'pvc-pending',
      snapshot([pending, fast], {
        events: [event(pending, 'ProvisioningFailed', 'storageclass "fast" quota exceeded')],
      }),
    );
    expect(f?.message).toContain('quota exceeded');
    expect(findings('pvc-lost', snapshot([pvc('Lost', { volumeName: 'pv-1' })]))[0]?.severity).toBe(
      'critical',
    );
    expect(findings('pvc-pending', snapshot([pvc('Bound')]))).toEqual([]);
  });

  it('reports a claim naming a StorageClass that does not exist', () => {
    expect(findings('pvc-storageclass-missing', snapshot([pvc('Pending')]))).toHaveLength(1);
    expect(findings('pvc-storageclass-missing', snapshot([pvc('Pending'), fast]))).toEqual([]);
  });

  it('reports NotReady nodes and node pressure', () => {
    const node = (conditions: unknown[]) => obj('v1', 'Node', 'n1', { status: { conditions } });
    expect(
      findings(
        'node-not-ready',
        snapshot([
          node([
            { type: 'Ready', status: 'Unknown', message: 'Kubelet stopped posting node status.' },
          ]),
        ]),
      ),
    ).toHaveLength(1);
    expect(
      findings('node-not-ready', snapshot([node([{ type: 'Ready', status: 'True' }])])),
    ).toEqual([]);
    const pressured = findings(
      'node-pressure',
      snapshot([
        node([
          { type: 'Ready', status: 'True' },
          { type: 'DiskPressure', status: 'True' },
          { type: 'MemoryPressure', status: 'False' },
        ]),
      ]),
    );
    expect(pressured.map((f) => f.message)).toEqual([expect.stringContaining('DiskPressure')]);
  });

  it('reports webhooks calling a missing Service, critical when failing closed', () => {
    const hook = (failurePolicy: string) =>
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'policy', {
        webhooks: [
          {
            name: 'check.example.com',
            failurePolicy,
            clientConfig: { service: { namespace: 'policy', name: 'webhook' } },
          },
        ],
      });
    expect(findings('webhook-service-missing', snapshot([hook('Fail')]))[0]?.severity).toBe(
      'critical',
    );
    expect(findings('webhook-service-missing', snapshot([hook('Ignore')]))[0]?.severity).toBe(
      'warning',
    );
    expect(
      findings(
        'webhook-service-missing',
        snapshot([hook('Fail'), service('webhook', { app: 'w' }, 'policy')]),
      ),
    ).toEqual([]);
  });

  const hpa = (target: string, status?: Record<string, unknown>) =>
    obj(
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      'web',
      {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
        ...(status ? { status } : {}),
      },
      { namespace: 'shop' },
    );

  it('reports an HPA whose target does not exist', () => {
    expect(findings('hpa-target-missing', snapshot([hpa('web'), deployment('api')]))).toHaveLength(
      1,
    );
    expect(findings('hpa-target-missing', snapshot([hpa('web'), deployment('web')]))).toEqual([]);
  });

  it('reports an HPA unable to scale, or whose target lacks requests', () => {
    const failing = hpa('web', {
      conditions: [
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message: 'unable to get metrics',
        },
      ],
    });
    expect(
      findings('hpa-unable-to-scale', snapshot([failing, deployment('web')]))[0]?.message,
    ).toContain('FailedGetResourceMetric');
    const noRequests = deployment('web', { containers: [container({ resources: null })] });
    expect(
      findings('hpa-unable-to-scale', snapshot([hpa('web'), noRequests]))[0]?.message,
    ).toContain('no cpu request');
    expect(findings('hpa-unable-to-scale', snapshot([hpa('web'), deployment('web')]))).toEqual([]);
  });

  it('reports PDBs that allow no disruption', () => {
    const pdb = (spec: Record<string, unknown>) =>
      obj(
        'policy/v1',
        'PodDisruptionBudget',
        'web',
        { spec: { selector: { matchLabels: { app: 'web' } }, ...spec } },
        { namespace: 'shop' },
      );
    const d = deployment('web', { replicas: 3 });
    expect(findings('pdb-no-disruptions', snapshot([d, pdb({ maxUnavailable: 0 })]))).toHaveLength(
      1,
    );
    expect(
      findings('pdb-no-disruptions', snapshot([d, pdb({ minAvailable: '100%' })])),
    ).toHaveLength(1);
    expect(findings('pdb-no-disruptions', snapshot([d, pdb({ minAvailable: 3 })]))).toHaveLength(1);
    expect(findings('pdb-no-disruptions', snapshot([d, pdb({ minAvailable: 2 })]))).toEqual([]);
  });

  it('reports failing conditions of any other kind, including custom resources', () => {
    const cert = obj(
      'cert-manager.io/v1',
      'Certificate',
      'web',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'Failed', message: 'ACME challenge failed' },
          ],
        },
      },
      { namespace: 'shop' },
    );
    const app = obj(
      'argoproj.io/v1alpha1',
      'Widget',
      'w',
      { status: { conditions: [{ type: 'Degraded', status: 'True' }] } },
      { namespace: 'shop' },
    );
    const fine = obj(
      'example.com/v1',
      'Widget',
      'ok',
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      { namespace: 'shop' },
    );
    const list = findings('resource-condition-failing', snapshot([cert, app, fine]));
    expect(list.map((f) => [f.resource.name, f.severity])).toEqual([
      ['web', 'high'],
      ['w', 'warning'],
    ]);
  });
});
