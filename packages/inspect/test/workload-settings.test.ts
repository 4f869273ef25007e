import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/index.js';
import { container, deployment, findings, obj, snapshot, workload } from './fixtures.js';

/** The snapshot under the strict profile; a glob then selects within it. */
const strict = (snap: Snapshot): Snapshot => ({ ...snap, options: { profile: 'strict' } });

describe('environment-variable-key-duplication', () => {
  it('reports a variable set twice, naming it once', () => {
    const env = [
      { name: 'MODE', value: 'a' },
      { name: 'LEVEL', value: 'info' },
      { name: 'MODE', value: 'b' },
      { name: 'MODE', value: 'c' },
    ];
    const [f] = findings(
      'environment-variable-key-duplication',
      snapshot([deployment('web', { containers: [container({ env })] })]),
    );
    expect(f?.message).toBe(
      'The container "app" of Deployment shop/web sets the environment variable "MODE" more than once; only the last value counts.',
    );
  });

  it('accepts distinct names', () => {
    const env = [
      { name: 'MODE', value: 'a' },
      { name: 'LEVEL', value: 'info' },
    ];
    expect(
      findings(
        'environment-variable-key-duplication',
        snapshot([deployment('web', { containers: [container({ env })] })]),
      ),
    ).toEqual([]);
  });
});

describe('read-secret-from-env-var', () => {
  const env = [
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    { name: 'MODE', value: 'a' },
  ];
  const snap = () => snapshot([deployment('web', { containers: [container({ env })] })]);

  it('reports a Secret read into the environment under the strict profile only', () => {
    const [f] = findings('read-secret-from-env-var', snap());
    expect(f?.message).toBe(
      'The container "app" of Deployment shop/web reads a Secret into the environment variable "DB_PASSWORD".',
    );
    expect(findings('read-secret-*', snap())).toEqual([]);
    expect(findings('read-secret-*', strict(snap()))).toHaveLength(1);
  });

  it('accepts plain values', () => {
    expect(findings('read-secret-from-env-var', snapshot([deployment('web')]))).toEqual([]);
  });
});

describe('requests equal limits and ephemeral storage', () => {
  const resources = {
    requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
    limits: { cpu: '0.5', memory: '128Mi', 'ephemeral-storage': '2Gi' },
  };
  const snap = () => snapshot([deployment('web', { containers: [container({ resources })] })]);

  it('reports a request below its limit, with a patch raising the request', () => {
    const [cpu] = findings('container-cpu-requests-equal-limits', snap());
    expect(cpu?.message).toBe(
      'The container "app" of Deployment shop/web requests 100m cpu but may use up to 0.5.',
    );
    expect(cpu?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: { containers: [{ name: 'app', resources: { requests: { cpu: '0.5' } } }] },
        },
      },
    });
    // 128Mi on both sides: equal.
    expect(findings('container-memory-requests-equal-limits', snap())).toEqual([]);
    expect(findings('container-ephemeral-storage-request-equals-limit', snap())).toHaveLength(1);
  });

  it('reports a request without a limit, and accepts equal values written differently', () => {
    const noLimit = { requests: { memory: '1Gi' } };
    const [memory] = findings(
      'container-memory-requests-equal-limits',
      snapshot([deployment('web', { containers: [container({ resources: noLimit })] })]),
    );
    expect(memory?.message).toContain('requests 1Gi memory and sets no limit');
    const equal = { requests: { cpu: '500m' }, limits: { cpu: '0.5' } };
    expect(
      findings(
        'container-cpu-requests-equal-limits',
        snapshot([deployment('web', { containers: [container({ resources: equal })] })]),
      ),
    ).toEqual([]);
  });

  it('reports a missing ephemeral-storage request or limit, with a patch', () => {
    const [f] = findings(
      'container-ephemeral-storage-request-and-limit',
      snapshot([deployment('web')]),
    );
    expect(f?.message).toBe(
      'The container "app" of Deployment shop/web has no ephemeral-storage request or limit.',
    );
    expect(f?.remediation.patch?.type).toBe('strategic');
    expect(findings('container-ephemeral-storage-request-and-limit', snap())).toEqual([]);
  });

  it('leaves these house-style checks out of the default profile', () => {
    const house = (f: { ruleId: string }) => /equal|ephemeral/.test(f.ruleId);
    expect(findings('container-*', snap()).filter(house)).toEqual([]);
    expect(
      findings('container-*', strict(snap()))
        .filter(house)
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual([
      'container-cpu-requests-equal-limits',
      'container-ephemeral-storage-request-equals-limit',
    ]);
  });
});

describe('service-type', () => {
  const svc = (type?: string) =>
    obj(
      'v1',
      'Service',
      'web',
      { spec: { ...(type ? { type } : {}), ports: [{ port: 80, nodePort: 30080 }] } },
      { namespace: 'shop' },
    );

  it('reports a NodePort Service with a patch to ClusterIP', () => {
    const [f] = findings('service-type', snapshot([svc('NodePort')]));
    expect(f?.severity).toBe('low');
    expect(f?.message).toBe(
      'Service shop/web is of type NodePort, so it listens on every node (node port 30080).',
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { type: 'ClusterIP' } });
  });

  it('accepts ClusterIP and LoadBalancer Services', () => {
    expect(findings('service-type', snapshot([svc(), svc('LoadBalancer')]))).toEqual([]);
  });
});

describe('deployment-strategy', () => {
  it('reports Recreate and a rolling update that may stop every replica', () => {
    const recreate = deployment('a', { workloadSpec: { strategy: { type: 'Recreate' } } });
    const all = deployment('b', {
      workloadSpec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
      },
    });
    const result = findings('deployment-strategy', snapshot([recreate, all]));
    expect(result.map((f) => f.message)).toEqual([
      'Deployment shop/a runs 3 replicas but uses the Recreate strategy, so every rollout stops all of them before new ones are ready.',
      'Deployment shop/b runs 3 replicas but uses a rolling update with maxUnavailable 100%, so every rollout stops all of them before new ones are ready.',
    ]);
    expect(result[0]?.remediation.patch?.body).toEqual({
      spec: {
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
        },
      },
    });
  });

  it('accepts the default rolling update, and Recreate for a single replica', () => {
    const single = deployment('db', {
      replicas: 1,
      workloadSpec: { strategy: { type: 'Recreate' } },
    });
    expect(findings('deployment-strategy', snapshot([deployment('web'), single]))).toEqual([]);
  });
});

describe('deployment-targeted-by-hpa-does-not-have-replicas-configured', () => {
  const hpa = obj(
    'autoscaling/v2',
    'HorizontalPodAutoscaler',
    'web',
    {
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 },
    },
    { namespace: 'shop' },
  );

  it('reports a manifest that sets replicas on a workload an HPA scales', () => {
    const [f] = findings(
      'deployment-targeted-by-hpa-does-not-have-replicas-configured',
      snapshot([deployment('web'), hpa], { source: 'manifests' }),
    );
    expect(f?.message).toBe(
      "Deployment shop/web is scaled by HorizontalPodAutoscaler shop/web but its manifest sets replicas: 3, so every apply resets the autoscaler's choice.",
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { replicas: null } });
  });

  it('accepts a manifest without replicas, and live objects, whose replicas the HPA writes', () => {
    const unset = deployment('web');
    delete (unset.spec as Record<string, unknown>).replicas;
    const id = 'deployment-targeted-by-hpa-does-not-have-replicas-configured';
    expect(findings(id, snapshot([unset, hpa], { source: 'manifests' }))).toEqual([]);
    expect(findings(id, snapshot([deployment('web'), hpa]))).toEqual([]);
  });
});

describe('pod-selector-labels-match-template-metadata-labels', () => {
  it("reports a selector that the template's labels do not match", () => {
    const d = deployment('web', { workloadSpec: { selector: { matchLabels: { app: 'webb' } } } });
    const s = workload('StatefulSet', 'db', { workloadSpec: { selector: {} } });
    const result = findings('pod-selector-labels-match-template-metadata-labels', snapshot([d, s]));
    expect(result.map((f) => [f.severity, f.message])).toEqual([
      [
        'high',
        "Deployment shop/web selects pods with app=webb, which its own pod template's labels do not match, so the API server rejects it.",
      ],
      ['high', 'StatefulSet shop/db has no spec.selector, so the API server rejects it.'],
    ]);
  });

  it('accepts a selector that is a subset of the template labels', () => {
    expect(
      findings('pod-selector-labels-match-template-metadata-labels', snapshot([deployment('web')])),
    ).toEqual([]);
  });
});

describe('pod-topology-spread-constraints', () => {
  it('reports constraints that cannot spread the workload', () => {
    const d = deployment('web', {
      spec: {
        topologySpreadConstraints: [
          {
            maxSkew: 0,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { app: 'web' } },
          },
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'other' } },
          },
          { maxSkew: 1, whenUnsatisfiable: 'Sometimes' },
        ],
      },
    });
    const [f] = findings('pod-topology-spread-constraints', snapshot([d]));
    expect(f?.message).toBe(
      "Deployment shop/web declares topology spread constraints that cannot spread its pods: constraint 1 (kubernetes.io/hostname) has maxSkew 0; it must be at least 1; constraint 2 (topology.kubernetes.io/zone) has a labelSelector that does not match the workload's own pod labels; constraint 3 has no topologyKey; constraint 3 has whenUnsatisfiable Sometimes; it must be DoNotSchedule or ScheduleAnyway; constraint 3 has no labelSelector, so it counts no pods.",
    );
  });

  it('accepts a valid constraint selecting the own pods', () => {
    const d = deployment('web', {
      spec: {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { app: 'web' } },
          },
        ],
      },
    });
    expect(findings('pod-topology-spread-constraints', snapshot([d]))).toEqual([]);
  });
});

describe('deprecated-service-account-field', () => {
  it('reports the old field, and a conflict with serviceAccountName as a warning', () => {
    const old = deployment('a', {
      spec: { serviceAccountName: undefined, serviceAccount: 'runner' },
    });
    const both = deployment('b', { spec: { serviceAccount: 'runner' } });
    const result = findings('deprecated-service-account-field', snapshot([old, both]));
    expect(result.map((f) => [f.severity, f.message])).toEqual([
      [
        'warning',
        'Deployment shop/b sets the deprecated serviceAccount "runner" and serviceAccountName "app", which disagree.',
      ],
      [
        'low',
        'Deployment shop/a sets the deprecated serviceAccount field ("runner") instead of serviceAccountName.',
      ],
    ]);
    expect(result[1]?.remediation.patch?.body).toEqual({
      spec: { template: { spec: { serviceAccountName: 'runner', serviceAccount: null } } },
    });
  });

  it('accepts serviceAccountName alone, and the copy the API server makes of it', () => {
    expect(findings('deprecated-service-account-field', snapshot([deployment('web')]))).toEqual([]);
    const live = deployment('web', { spec: { serviceAccount: 'app' } });
    expect(findings('deprecated-service-account-field', snapshot([live]))).toEqual([]);
    expect(
      findings('deprecated-service-account-field', snapshot([live], { source: 'manifests' })),
    ).toHaveLength(1);
  });
});
