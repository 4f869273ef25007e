import { describe, expect, it } from 'vitest';
import { findings, obj, pod, runningStatus, service, snapshot } from './fixtures.js';

const GATEWAY_API = 'gateway.networking.k8s.io/v1';

describe('resource-condition-failing on Gateway API and OLM objects', () => {
  const rule = 'resource-condition-failing';

  it('reports a GatewayClass not accepted and a Gateway listener not programmed', () => {
    const gatewayClass = obj(GATEWAY_API, 'GatewayClass', 'envoy', {
      status: {
        conditions: [
          { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message: 'no config' },
        ],
      },
    });
    const gateway = obj(
      GATEWAY_API,
      'Gateway',
      'public',
      {
        status: {
          conditions: [{ type: 'Accepted', status: 'True' }],
          listeners: [
            {
              name: 'https',
              conditions: [
                { type: 'Programmed', status: 'False', reason: 'Invalid' },
                { type: 'ResolvedRefs', status: 'False', reason: 'InvalidCertificateRef' },
              ],
            },
          ],
        },
      },
      { namespace: 'edge' },
    );
    const found = findings(rule, snapshot([gatewayClass, gateway]));
    expect(found.map((f) => `${f.resource.kind} ${f.severity}`).sort()).toEqual([
      'Gateway high',
      'Gateway warning',
      'GatewayClass high',
    ]);
    expect(found.map((f) => f.message).join('\n')).toContain(
      'Gateway edge/public listener "https" reports ResolvedRefs=False (InvalidCertificateRef).',
    );
  });

  it('reports a failed Subscription, ClusterServiceVersion and InstallPlan', () => {
    const olm = 'operators.coreos.com/v1alpha1';
    const ns = { namespace: 'operators' };
    const objects = [
      obj(
        olm,
        'Subscription',
        'etcd',
        {
          status: {
            conditions: [
              { type: 'ResolutionFailed', status: 'True', reason: 'ConstraintsNotSatisfiable' },
            ],
          },
        },
        ns,
      ),
      obj(
        olm,
        'ClusterServiceVersion',
        'etcd.v0.9.4',
        {
          status: { phase: 'Failed', reason: 'InstallCheckFailed', message: 'install timeout' },
        },
        ns,
      ),
      obj(
        olm,
        'InstallPlan',
        'install-abc',
        {
          status: {
            phase: 'Failed',
            conditions: [{ type: 'Installed', status: 'False', reason: 'InstallComponentFailed' }],
          },
        },
        ns,
      ),
    ];
    const found = findings(rule, snapshot(objects));
    expect(found.map((f) => `${f.resource.kind}`).sort()).toEqual([
      'ClusterServiceVersion',
      'InstallPlan',
      'InstallPlan',
      'Subscription',
    ]);
    expect(found.find((f) => f.resource.kind === 'ClusterServiceVersion')?.message).toBe(
      'ClusterServiceVersion operators/etcd.v0.9.4 reports phase Failed (InstallCheckFailed): install timeout.',
    );
  });

  it('passes healthy Gateway API and OLM objects', () => {
    const healthy = [
      obj(GATEWAY_API, 'GatewayClass', 'envoy', {
        status: { conditions: [{ type: 'Accepted', status: 'True' }] },
      }),
      obj(
        GATEWAY_API,
        'Gateway',
        'public',
        {
          status: {
            conditions: [{ type: 'Programmed', status: 'True' }],
            listeners: [{ name: 'https', conditions: [{ type: 'Programmed', status: 'True' }] }],
          },
        },
        { namespace: 'edge' },
      ),
      obj(
        'operators.coreos.com/v1alpha1',
        'ClusterServiceVersion',
        'etcd.v0.9.4',
        {
          status: { phase: 'Succeeded' },
        },
        { namespace: 'operators' },
      ),
      obj(
        'operators.coreos.com/v1alpha1',
        'Subscription',
        'etcd',
        {
          status: { conditions: [{ type: 'CatalogSourcesUnhealthy', status: 'False' }] },
        },
        { namespace: 'operators' },
      ),
    ];
    expect(findings(rule, snapshot(healthy))).toEqual([]);
  });
});

describe('storage', () => {
  const pv = (name: string, phase: string, status: Record<string, unknown> = {}) =>
    obj('v1', 'PersistentVolume', name, {
      spec: {
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace: 'shop', name: 'data-db-0' },
      },
      status: { phase, ...status },
    });

  it('reports Released and Failed volumes, not Bound or Available ones', () => {
    const objects = [
      pv('released', 'Released'),
      pv('failed', 'Failed', { message: 'Error deleting EBS volume: AccessDenied' }),
      pv('bound', 'Bound'),
      pv('available', 'Available'),
    ];
    const released = findings('pv-released', snapshot(objects));
    expect(released.map((f) => f.resource.name)).toEqual(['released']);
    expect(released[0]?.message).toContain('its claim shop/data-db-0 was deleted');
    const failed = findings('pv-failed', snapshot(objects));
    expect(failed.map((f) => `${f.resource.name} ${f.severity}`)).toEqual(['failed high']);
    expect(failed[0]?.message).toContain('AccessDenied');
  });

  it('reports each of several default StorageClasses, with a patch unmarking it', () => {
    const storageClass = (name: string, isDefault: string) =>
      obj(
        'storage.k8s.io/v1',
        'StorageClass',
        name,
        { provisioner: 'ebs.csi.aws.com' },
        {
          annotations: { 'storageclass.kubernetes.io/is-default-class': isDefault },
        },
      );
    const two = [
      storageClass('gp2', 'true'),
      storageClass('gp3', 'true'),
      storageClass('io2', 'false'),
    ];
    const found = findings('storageclass-multiple-defaults', snapshot(two));
    expect(found.map((f) => f.resource.name).sort()).toEqual(['gp2', 'gp3']);
    expect(found[0]?.remediation.patch?.body).toEqual({
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
    });
    const one = [storageClass('gp3', 'true'), storageClass('io2', 'false')];
    expect(findings('storageclass-multiple-defaults', snapshot(one))).toEqual([]);
  });
});

describe('webhook-service-not-ready', () => {
  const webhooks = (failurePolicy: string) =>
    obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'policy', {
      webhooks: [
        {
          name: 'validate.policy.example.com',
          failurePolicy,
          clientConfig: { service: { namespace: 'policy', name: 'policy-webhook' } },
        },
      ],
    });
  const svc = service('policy-webhook', { app: 'policy-webhook' }, 'policy');
  const webhookPod = (ready: boolean) =>
    pod('policy-webhook-1', {
      namespace: 'policy',
      labels: { app: 'policy-webhook' },
      status: ready
        ? runningStatus()
        : { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    });

  it('reports a blocking webhook whose Service has no ready pod as critical', () => {
    const [finding] = findings(
      'webhook-service-not-ready',
      snapshot([webhooks('Fail'), svc, webhookPod(false)]),
    );
    expect(finding?.severity).toBe('critical');
    expect(finding?.message).toContain('has 1 pod, none ready; with failurePolicy Fail');
    const ignored = findings('webhook-service-not-ready', snapshot([webhooks('Ignore'), svc]));
    expect(ignored.map((f) => f.severity)).toEqual(['warning']);
    expect(ignored[0]?.message).toContain('selects no pod (app=policy-webhook)');
  });

  it('passes a webhook with a ready pod, and says nothing about manifests', () => {
    expect(
      findings('webhook-service-not-ready', snapshot([webhooks('Fail'), svc, webhookPod(true)])),
    ).toEqual([]);
    expect(
      findings(
        'webhook-service-not-ready',
        snapshot([webhooks('Fail'), svc], { source: 'manifests' }),
      ),
    ).toEqual([]);
  });
});

describe('ValidatingAdmissionPolicy', () => {
  const api = 'admissionregistration.k8s.io/v1';
  const policy = (name: string, warnings: unknown[] = []) =>
    obj(api, 'ValidatingAdmissionPolicy', name, {
      spec: { validations: [{ expression: 'object.spec.replicas <= 5' }] },
      status: { typeChecking: { expressionWarnings: warnings } },
    });
  const binding = (policyName: string) =>
    obj(api, 'ValidatingAdmissionPolicyBinding', `${policyName}-binding`, {
      spec: { policyName, validationActions: ['Deny'] },
    });

  it('reports a policy no binding names, with a binding to create', () => {
    const [finding] = findings(
      'admission-policy-unbound',
      snapshot([policy('max-replicas'), policy('bound'), binding('bound')]),
    );
    expect(finding?.resource.name).toBe('max-replicas');
    expect(finding?.remediation.create).toMatchObject({
      kind: 'ValidatingAdmissionPolicyBinding',
      spec: { policyName: 'max-replicas' },
    });
    expect(
      findings('admission-policy-unbound', snapshot([policy('bound'), binding('bound')])),
    ).toEqual([]);
  });

  it('reports type-checking warnings in the status, and passes a policy without them', () => {
    const warned = policy('max-replicas', [
      { fieldRef: 'spec.validations[0].expression', warning: "no such key: 'replicas'" },
    ]);
    const [finding] = findings('admission-policy-type-warnings', snapshot([warned]));
    expect(finding?.message).toContain("spec.validations[0].expression: no such key: 'replicas'");
    expect(findings('admission-policy-type-warnings', snapshot([policy('ok')]))).toEqual([]);
  });
});
