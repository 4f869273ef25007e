import { describe, expect, it } from 'vitest';
import { container, deployment, findings, obj, snapshot } from './fixtures.js';

const rule = 'workload-reference-key-missing';
const configMap = (data: Record<string, string>) =>
  obj('v1', 'ConfigMap', 'web-config', { data }, { namespace: 'shop' });
const secret = (fields: Record<string, unknown>) =>
  obj('v1', 'Secret', 'web-db', fields, { namespace: 'shop' });
const readingKeys = () =>
  deployment('web', {
    containers: [
      container({
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } } },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } },
          {
            name: 'FLAG',
            valueFrom: { configMapKeyRef: { name: 'web-config', key: 'flag', optional: true } },
          },
        ],
      }),
    ],
    spec: {
      volumes: [
        {
          name: 'config',
          configMap: { name: 'web-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] },
        },
      ],
    },
  });

describe('workload-reference-key-missing', () => {
  it('reports keys missing from an existing ConfigMap and from a manifest Secret', () => {
    const found = findings(
      rule,
      snapshot([readingKeys(), configMap({ other: 'x' }), secret({ stringData: { user: 'app' } })]),
    );
    expect(found.map((f) => f.message).sort()).toEqual([
      'Deployment shop/web reads key "app.yaml" of ConfigMap shop/web-config, which has only "other"; its pods cannot start.',
      'Deployment shop/web reads key "mode" of ConfigMap shop/web-config, which has only "other"; its pods cannot start.',
      'Deployment shop/web reads key "password" of Secret shop/web-db, which has only "user"; its pods cannot start.',
    ]);
    expect(found.every((f) => f.severity === 'high')).toBe(true);
  });

  it('passes present keys, optional references, and Secrets whose data the snapshot does not show', () => {
    const complete = [
      readingKeys(),
      configMap({ mode: 'prod', 'app.yaml': 'a: 1' }),
      secret({ data: { password: 'cGFzcw==' } }),
    ];
    expect(findings(rule, snapshot(complete))).toEqual([]);
    // A live Secret is collected with its metadata only.
    const live = [readingKeys(), configMap({ mode: 'prod', 'app.yaml': 'a: 1' }), secret({})];
    expect(findings(rule, snapshot(live))).toEqual([]);
  });
});
