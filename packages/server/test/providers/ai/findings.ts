import type { Finding, KubeObject } from '@kubeops/inspect';

/** Findings and objects of a small shop namespace: a Deployment whose Pods crash, and unrelated problems. */
export function shopFindings(): {
  findings: Finding[];
  objects: KubeObject[];
  events: KubeObject[];
} {
  const finding = (
    fingerprint: string,
    ruleId: string,
    kind: string,
    name: string,
    message: string,
    evidence: Finding['evidence'],
  ): Finding => ({
    fingerprint,
    ruleId,
    category: 'reliability',
    severity: 'high',
    resource: {
      apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
      kind,
      namespace: 'shop',
      name,
    },
    title: `${kind} ${name}: ${ruleId}`,
    message,
    evidence,
    remediation: { summary: `Fix ${name}`, steps: [`Look at ${name} in shop`] },
  });
  const findings = [
    finding(
      'fp-web',
      'workload-unavailable',
      'Deployment',
      'web',
      'Deployment web has 0 of 2 replicas available',
      [{ type: 'field', path: 'status.availableReplicas', value: 0 }],
    ),
    finding(
      'fp-web-a',
      'pod-crashloop',
      'Pod',
      'web-7d9f-aaaaa',
      'Container app of web-7d9f-aaaaa is in CrashLoopBackOff',
      [
        {
          type: 'field',
          path: 'status.containerStatuses[app].state',
          value: { waiting: { reason: 'CrashLoopBackOff' } },
        },
        { type: 'log', text: 'FATAL: could not connect to 10.20.30.40:5432' },
      ],
    ),
    finding(
      'fp-web-b',
      'pod-crashloop',
      'Pod',
      'web-7d9f-bbbbb',
      'Container app of web-7d9f-bbbbb is in CrashLoopBackOff',
      [{ type: 'field', path: 'status.containerStatuses[app].restartCount', value: 14 }],
    ),
    finding(
      'fp-cache',
      'pvc-pending',
      'PersistentVolumeClaim',
      'cache-data',
      'PVC cache-data is Pending: no StorageClass fast-ssd',
      [{ type: 'field', path: 'spec.storageClassName', value: 'fast-ssd' }],
    ),
  ];
  const pod = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d9f',
          uid: 'uid-rs',
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'app', image: 'registry.shop.example.com/web:2.4.1' }] },
  });
  const objects: KubeObject[] = [
    pod('web-7d9f-aaaaa'),
    pod('web-7d9f-bbbbb'),
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-7d9f',
        namespace: 'shop',
        uid: 'uid-rs',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'uid-web',
            controller: true,
          },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' },
    },
  ];
  const events: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-7d9f-aaaaa.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-7d9f-aaaaa' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app in pod web-7d9f-aaaaa_shop',
      count: 31,
    },
  ];
  return { findings, objects, events };
}
