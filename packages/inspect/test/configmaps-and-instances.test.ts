import { describe, expect, it } from 'vitest';
import { deployment, findings, obj, recommendedLabels, snapshot } from './fixtures.js';

describe('configmap-empty', () => {
  const configMap = (
    name: string,
    rest: Record<string, unknown>,
    meta: Record<string, unknown> = {},
  ) => obj('v1', 'ConfigMap', name, rest, { namespace: 'shop', ...meta });

  it('reports a ConfigMap with neither data nor binaryData', () => {
    const found = findings(
      'configmap-empty',
      snapshot([configMap('blank', {}), configMap('hollow', { data: {} })]),
    );
    expect(found.map((f) => `${f.resource.name} ${f.severity}`).sort()).toEqual([
      'blank low',
      'hollow low',
    ]);
  });

  it('passes ConfigMaps with data, with binaryData, owned by a controller or in system namespaces', () => {
    const objects = [
      configMap('settings', { data: { mode: 'prod' } }),
      configMap('blob', { binaryData: { logo: 'iVBORw0K' } }),
      configMap('leader', {}, { ownerReferences: [{ kind: 'Deployment', name: 'x', uid: 'u' }] }),
      obj(
        'v1',
        'ConfigMap',
        'extension-apiserver-authentication',
        {},
        { namespace: 'kube-system' },
      ),
    ];
    expect(findings('configmap-empty', snapshot(objects))).toEqual([]);
  });
});

describe('metadata-instance-mismatch', () => {
  it('reports a workload whose pods carry another instance label', () => {
    const mixed = deployment('web', {
      labels: recommendedLabels('web'),
      templateLabels: { ...recommendedLabels('web'), 'app.kubernetes.io/instance': 'web-old' },
    });
    const [f] = findings('metadata-instance-mismatch', snapshot([mixed]));
    expect(f?.message).toBe(
      'Deployment shop/web is labelled app.kubernetes.io/instance=web but its pods app.kubernetes.io/instance=web-old.',
    );
  });

  it('passes matching labels, and a workload or template without the label', () => {
    const { ['app.kubernetes.io/instance']: _, ...noInstance } = recommendedLabels('web');
    const objects = [deployment('web'), deployment('bare', { labels: noInstance })];
    expect(findings('metadata-instance-mismatch', snapshot(objects))).toEqual([]);
  });
});
