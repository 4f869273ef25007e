import { describe, expect, it } from 'vitest';
import { container, deployment, findings, obj, snapshot } from './fixtures.js';

const account = obj('v1', 'ServiceAccount', 'app', {}, { namespace: 'shop' });

describe('workload references', () => {
  const referencing = deployment('web', {
    containers: [
      {
        ...container(),
        envFrom: [
          { configMapRef: { name: 'web-config' } },
          { secretRef: { name: 'maybe', optional: true } },
        ],
        env: [
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      },
    ],
    spec: {
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
        { name: 'cfg', configMap: { name: 'web-config' } },
      ],
    },
  });

  it('reports each missing ConfigMap, Secret and claim once, ignoring optional references', () => {
    const list = findings('workload-reference-missing', snapshot([referencing, account]));
    expect(list.map((f) => f.message.match(/refers to (\w+ "[\w-]+")/)?.[1]).sort()).toEqual([
      'ConfigMap "web-config"',
      'PersistentVolumeClaim "web-data"',
      'Secret "db"',
    ]);
    expect(list.find((f) => f.message.includes('web-config'))?.evidence).toHaveLength(2);
    const present = [
      obj('v1', 'ConfigMap', 'web-config', { data: {} }, { namespace: 'shop' }),
      obj('v1', 'Secret', 'db', {}, { namespace: 'shop' }),
      obj('v1', 'PersistentVolumeClaim', 'web-data', { spec: {} }, { namespace: 'shop' }),
    ];
    expect(
      findings('workload-reference-missing', snapshot([referencing, account, ...present])),
    ).toEqual([]);
  });

  it('does not report kinds the caller could not list completely', () => {
    const list = findings(
      'workload-reference-missing',
      snapshot([referencing, account], { completeKinds: ['ConfigMap', 'ServiceAccount'] }),
    );
    expect(list.map((f) => f.message)).toEqual([expect.stringContaining('ConfigMap "web-config"')]);
  });

  it('reports ConfigMaps nobody uses, except well-known and controller-owned ones', () => {
    const cm = (name: string, meta: Record<string, unknown> = {}) =>
      obj('v1', 'ConfigMap', name, { data: {} }, { namespace: 'shop', ...meta });
    const owned = cm('leader', {
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'x', uid: 'u' }],
    });
    const list = findings(
      'configmap-unused',
      snapshot([referencing, cm('web-config'), cm('stale'), cm('kube-root-ca.crt'), owned]),
    );
    expect(list.map((f) => f.resource.name)).toEqual(['stale']);
  });
});

describe('Gateway API routes', () => {
  const route = obj(
    'gateway.networking.k8s.io/v1',
    'HTTPRoute',
    'web',
    {
      spec: {
        parentRefs: [{ name: 'public', namespace: 'gateways' }],
        rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
      },
    },
    { namespace: 'shop' },
  );

  it('reports a missing parent Gateway and backend Service', () => {
    expect(
      findings('gateway-route-reference-missing', snapshot([route])).map((f) => f.message),
    ).toEqual([
      expect.stringContaining('Gateway gateways/public'),
      expect.stringContaining('Service shop/web'),
    ]);
    const gateway = obj(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      'public',
      { spec: {} },
      { namespace: 'gateways' },
    );
    const service = obj(
      'v1',
      'Service',
      'web',
      { spec: { selector: { app: 'web' } } },
      { namespace: 'shop' },
    );
    expect(
      findings('gateway-route-reference-missing', snapshot([route, gateway, service])),
    ).toEqual([]);
  });
});
