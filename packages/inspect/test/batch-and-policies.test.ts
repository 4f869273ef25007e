import { describe, expect, it } from 'vitest';
import { snapshotFromManifests, type KubeObject } from '../src/index.js';
import { NOW, container, deployment, findings, obj, pod, podSpec, snapshot } from './fixtures.js';

const job = (name: string, spec: Record<string, unknown>, template: Record<string, unknown> = {}) =>
  obj(
    'batch/v1',
    'Job',
    name,
    { spec: { ...spec, template: { spec: podSpec({ spec: template }) } } },
    { namespace: 'shop' },
  );

const cronJob = (name: string, spec: Record<string, unknown>, template: Record<string, unknown>) =>
  obj(
    'batch/v1',
    'CronJob',
    name,
    {
      spec: {
        schedule: '0 3 * * *',
        ...spec,
        jobTemplate: { spec: { template: { spec: podSpec({ spec: template }) } } },
      },
    },
    { namespace: 'shop' },
  );

describe('cronjob-has-deadline', () => {
  it('reports a CronJob without startingDeadlineSeconds, with a patch', () => {
    const [f] = findings(
      'cronjob-has-deadline',
      snapshot([cronJob('backup', {}, { restartPolicy: 'OnFailure' })]),
    );
    expect(f?.severity).toBe('low');
    expect(f?.message).toBe(
      'CronJob shop/backup sets no startingDeadlineSeconds, so a run missed during an outage starts when the controller is back, however late.',
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { startingDeadlineSeconds: 300 } });
    // House style: only the strict profile asks for it.
    const snap = snapshot([cronJob('backup', {}, { restartPolicy: 'OnFailure' })]);
    expect(findings('cronjob-*', snap)).toEqual([]);
    expect(findings('cronjob-*', { ...snap, options: { profile: 'strict' } })).toHaveLength(1);
  });

  it('accepts a CronJob with a deadline', () => {
    const cron = cronJob(
      'backup',
      { startingDeadlineSeconds: 600 },
      { restartPolicy: 'OnFailure' },
    );
    expect(findings('cronjob-has-deadline', snapshot([cron]))).toEqual([]);
  });
});

describe('cronjob-restartpolicy', () => {
  it('reports CronJobs and Jobs whose pods would restart forever', () => {
    const result = findings(
      'cronjob-restartpolicy',
      snapshot([cronJob('backup', {}, {}), job('migrate', {}, { restartPolicy: 'Always' })]),
    );
    expect(result.map((f) => f.message)).toEqual([
      "CronJob shop/backup sets no restartPolicy (so Always) in its pod template; a Job's pods must use OnFailure or Never.",
      "Job shop/migrate sets restartPolicy Always in its pod template; a Job's pods must use OnFailure or Never.",
    ]);
    expect(result[0]?.remediation.patch?.body).toEqual({
      spec: { jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure' } } } } },
    });
  });

  it('accepts OnFailure and Never, and judges a Job through its CronJob', () => {
    const cron = cronJob('backup', {}, { restartPolicy: 'Never' });
    const run = pod('x', {}); // unrelated objects are ignored
    const owned = job('backup-1', {}, { restartPolicy: 'Never' });
    owned.metadata.ownerReferences = [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'backup',
        uid: cron.metadata.uid!,
        controller: true,
      },
    ];
    expect(
      findings(
        'cronjob-restartpolicy',
        snapshot([cron, owned, run, job('migrate', {}, { restartPolicy: 'OnFailure' })]),
      ),
    ).toEqual([]);
  });
});

describe('job-ttl-seconds-after-finished', () => {
  it('reports a standalone Job without a TTL', () => {
    const [f] = findings(
      'job-ttl-seconds-after-finished',
      snapshot([job('migrate', {}, { restartPolicy: 'Never' })]),
    );
    expect(f?.message).toBe(
      'Job shop/migrate sets no ttlSecondsAfterFinished, so it and its pods stay after it finishes.',
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { ttlSecondsAfterFinished: 86400 } });
    const snap = snapshot([job('migrate', {}, { restartPolicy: 'Never' })]);
    expect(findings('job-*', snap)).toEqual([]);
    expect(findings('job-*', { ...snap, options: { profile: 'strict' } })).toHaveLength(1);
  });

  it('accepts a TTL, and Jobs a CronJob cleans up', () => {
    const cron = cronJob('backup', { startingDeadlineSeconds: 60 }, { restartPolicy: 'Never' });
    const owned = job('backup-1', {}, { restartPolicy: 'Never' });
    owned.metadata.ownerReferences = [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'backup',
        uid: cron.metadata.uid!,
        controller: true,
      },
    ];
    const withTtl = job('migrate', { ttlSecondsAfterFinished: 600 }, { restartPolicy: 'Never' });
    const hook = job('upgrade', {}, { restartPolicy: 'Never' });
    hook.metadata.annotations = { 'helm.sh/hook-delete-policy': 'before-hook-creation' };
    const all = snapshot([cron, owned, withTtl, hook]);
    expect(findings('job-ttl-seconds-after-finished', all)).toEqual([]);
  });
});

const pdb = (name: string, spec: Record<string, unknown>) =>
  obj(
    'policy/v1',
    'PodDisruptionBudget',
    name,
    { spec: { selector: { matchLabels: { app: 'web' } }, ...spec } },
    { namespace: 'shop' },
  );

describe('poddisruptionbudget-has-policy', () => {
  it('reports a budget without minAvailable or maxUnavailable', () => {
    const [f] = findings('poddisruptionbudget-has-policy', snapshot([pdb('web', {})]));
    expect(f?.message).toBe(
      'PodDisruptionBudget shop/web sets neither minAvailable nor maxUnavailable, so it protects no pod from eviction.',
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { maxUnavailable: 1 } });
  });

  it('accepts either field, including a zero', () => {
    const ok = [pdb('a', { minAvailable: '50%' }), pdb('b', { maxUnavailable: 0 })];
    expect(findings('poddisruptionbudget-has-policy', snapshot(ok))).toEqual([]);
  });
});

describe('pdb-unhealthy-pod-eviction-policy', () => {
  it('reports a budget that lets not-ready pods block drains, in the strict profile', () => {
    const snap = snapshot([pdb('web', { maxUnavailable: 1 })]);
    const [f] = findings('pdb-unhealthy-pod-eviction-policy', snap);
    expect(f?.message).toBe(
      'PodDisruptionBudget shop/web does not set unhealthyPodEvictionPolicy, so pods that are not ready can block a node drain.',
    );
    expect(findings('pdb-*', snap).map((f) => f.ruleId)).toEqual([]);
    expect(findings('pdb-*', { ...snap, options: { profile: 'strict' } })).toHaveLength(1);
  });

  it('accepts AlwaysAllow', () => {
    const snap = snapshot([
      pdb('web', { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' }),
    ]);
    expect(findings('pdb-unhealthy-pod-eviction-policy', snap)).toEqual([]);
  });
});

const policy = (peers: Record<string, unknown>[]) =>
  obj(
    'networking.k8s.io/v1',
    'NetworkPolicy',
    'web',
    {
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: peers }],
      },
    },
    { namespace: 'shop' },
  );

describe('dangling-networkpolicypeer-podselector', () => {
  it('reports a peer podSelector that matches no pod of the namespace', () => {
    const [f] = findings(
      'dangling-networkpolicypeer-podselector',
      snapshot([
        deployment('web'),
        policy([{ podSelector: { matchLabels: { app: 'frontend' } } }]),
      ]),
    );
    expect(f?.message).toBe(
      'NetworkPolicy shop/web allows ingress from pods with app=frontend, but no pod in namespace shop matches, so that rule allows nothing.',
    );
  });

  it('accepts peers that match a workload, select everything, or reach other namespaces', () => {
    const peers = [
      { podSelector: { matchLabels: { app: 'web' } } },
      { podSelector: {} },
      { namespaceSelector: {}, podSelector: { matchLabels: { app: 'elsewhere' } } },
      { ipBlock: { cidr: '10.0.0.0/8' } },
    ];
    expect(
      findings(
        'dangling-networkpolicypeer-podselector',
        snapshot([deployment('web'), policy(peers)]),
      ),
    ).toEqual([]);
  });
});

describe('unsafe-sysctls', () => {
  const withSysctls = (names: string[]) =>
    deployment('web', {
      spec: {
        securityContext: {
          runAsNonRoot: true,
          sysctls: names.map((name) => ({ name, value: '1' })),
        },
      },
    });

  it('reports sysctls outside the safe set', () => {
    const [f] = findings(
      'unsafe-sysctls',
      snapshot([withSysctls(['net.ipv4.tcp_syncookies', 'kernel.msgmax', 'net.core.somaxconn'])]),
    );
    expect(f?.severity).toBe('high');
    expect(f?.message).toBe(
      'Deployment shop/web sets the unsafe sysctls kernel.msgmax, net.core.somaxconn.',
    );
  });

  it('accepts safe sysctls, also in the slash spelling', () => {
    expect(
      findings(
        'unsafe-sysctls',
        snapshot([withSysctls(['net.ipv4.ip_local_port_range', 'net/ipv4/tcp_syncookies'])]),
      ),
    ).toEqual([]);
  });
});

describe('use-namespace', () => {
  const manifests = (objects: unknown[]) =>
    snapshotFromManifests(objects, { now: NOW, namespace: 'default' });
  const plain = (object: KubeObject) => {
    const copy = structuredClone(object) as KubeObject;
    delete copy.metadata.namespace;
    return copy;
  };

  it('reports a namespaced manifest that names no namespace', () => {
    const [f] = findings('use-namespace', manifests([plain(deployment('web'))]));
    expect(f?.message).toBe(
      'Deployment web names no namespace, so it is created in whichever namespace the applying client uses (inspected here as default).',
    );
  });

  it('accepts manifests with a namespace and cluster-scoped kinds', () => {
    const namespace = obj('v1', 'Namespace', 'shop');
    delete namespace.metadata.namespace;
    expect(findings('use-namespace', manifests([deployment('web'), namespace]))).toEqual([]);
    expect(
      findings('use-namespace', snapshot([deployment('web', { containers: [container()] })])),
    ).toEqual([]);
  });
});
