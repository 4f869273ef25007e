import { describe, expect, it } from 'vitest';
import type { ApiResource } from '@kubeops/contracts';
import { loadConfig } from '../../src/core/config.js';
import { applyPatch, diffJson } from '../../src/cdc/json-patch.js';
import { changedManagers, keyMatcher, normalise, SecretHasher } from '../../src/cdc/normalise.js';
import { selectResources } from '../../src/cdc/resource-selection.js';

const resource = (group: string, name: string, extra: Partial<ApiResource> = {}): ApiResource => ({
  group,
  version: 'v1',
  resource: name,
  kind: name,
  singular: name,
  namespaced: true,
  verbs: ['get', 'list', 'watch'],
  shortNames: [],
  categories: [],
  subresources: [],
  preferred: true,
  printerColumns: [],
  ...extra,
});

describe('what the cdc target captures', () => {
  const served = [
    resource('', 'configmaps'),
    resource('', 'events'),
    resource('events.k8s.io', 'events'),
    resource('coordination.k8s.io', 'leases'),
    resource('apps', 'deployments'),
    resource('apps', 'deployments', { version: 'v1beta1', preferred: false }),
    resource('', 'bindings', { verbs: ['create'] }),
    resource('example.com', 'widgets'),
  ];
  const names = (cdc: Record<string, unknown>, cluster = 'c') =>
    selectResources(loadConfig({ env: {}, flags: { cdc } }).cdc, cluster, served).map(
      (s) => `${s.resource.resource}.${s.resource.group}@${s.table}`,
    );

  it('takes every watchable resource once, leaves Leases out and sends Events to their own table', () => {
    expect(names({})).toEqual([
      'configmaps.@changes',
      'events.@events',
      'deployments.apps@changes',
      'widgets.example.com@changes',
    ]);
  });

  it('applies per-cluster include and exclude lists', () => {
    expect(names({ clusters: { c: { include: ['configmaps', '*.example.com'] } } })).toEqual([
      'configmaps.@changes',
      'widgets.example.com@changes',
    ]);
    expect(names({ clusters: { c: { exclude: ['deployments.apps', 'events'] } } })).toEqual([
      'configmaps.@changes',
      'widgets.example.com@changes',
    ]);
    expect(names({ clusters: { other: { include: ['configmaps'] } } })).toHaveLength(4);
  });
});

describe('normalising and diffing versions', () => {
  it('leaves bookkeeping out and keeps the stored object separate from the input', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'n',
        resourceVersion: '7',
        generation: 3,
        managedFields: [{ manager: 'kubelet', operation: 'Update', time: 't', fieldsV1: {} }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'x' }] },
    };
    const { body, generation, managers } = normalise('c', node, undefined);
    expect(body).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(generation).toBe(3);
    expect(managers.map((m) => m.manager)).toEqual(['kubelet']);
    expect(node.metadata.managedFields).toHaveLength(1);
    expect(node.status.conditions[0]!.lastHeartbeatTime).toBe('x');
  });

  it('hashes the ConfigMap keys the redaction rules name, and only those', () => {
    const hasher = new SecretHasher(Buffer.alloc(32, 7));
    const matches = keyMatcher(['*.pem', '*password*'])!;
    const cm = (pem: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app', namespace: 'ns' },
      data: { 'tls.pem': pem, 'db-password-file': 'hunter2', level: 'info' },
      binaryData: { 'ca.pem': Buffer.from('ca').toString('base64') },
    });
    const { body } = normalise('c', cm('-----BEGIN'), undefined, { hasher, matches });
    const data = body.data as Record<string, string>;
    expect(data.level).toBe('info');
    expect(data['tls.pem']).toMatch(/^hmac-sha256:/);
    expect(data['db-password-file']).toMatch(/^hmac-sha256:/);
    expect((body.binaryData as Record<string, string>)['ca.pem']).toMatch(/^hmac-sha256:/);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    // The same value hashes the same, a different one differently: changes still show.
    const again = normalise('c', cm('-----BEGIN'), undefined, { hasher, matches }).body.data;
    const other = normalise('c', cm('-----OTHER'), undefined, { hasher, matches }).body.data;
    expect((again as Record<string, string>)['tls.pem']).toBe(data['tls.pem']);
    expect((other as Record<string, string>)['tls.pem']).not.toBe(data['tls.pem']);
    expect(keyMatcher([])).toBeUndefined();
    expect(keyMatcher(['a.b'])!('aXb')).toBe(false);
  });

  it('names only the managers whose entry changed', () => {
    const at = (manager: string, time: string) => ({ manager, operation: 'Update', time });
    expect(
      changedManagers([at('helm', '1'), at('kubectl', '1')], [at('helm', '1'), at('kubectl', '2')]),
    ).toEqual([at('kubectl', '2')]);
    // Written again within the same second: nothing moved, the latest stamp is the answer.
    expect(
      changedManagers([at('helm', '1'), at('kubectl', '2')], [at('helm', '1'), at('kubectl', '2')]),
    ).toEqual([at('kubectl', '2')]);
    // A delete says nothing about who deleted.
    expect(changedManagers([at('helm', '1')], [at('helm', '1')], false)).toEqual([]);
  });

  it('produces RFC 6902 patches that rebuild the later version', () => {
    const before = { a: 1, b: { 'x/y': [1, 2], '~t': 'q' }, list: [1, 2, 3], gone: true };
    const after = { a: 2, b: { 'x/y': [1, 3], '~t': 'r' }, list: [1, 2], added: { z: null } };
    const patch = diffJson(before, after);
    expect(patch).toEqual([
      { op: 'remove', path: '/gone' },
      { op: 'replace', path: '/a', value: 2 },
      { op: 'replace', path: '/b/x~1y/1', value: 3 },
      { op: 'replace', path: '/b/~0t', value: 'r' },
      { op: 'replace', path: '/list', value: [1, 2] },
      { op: 'add', path: '/added', value: { z: null } },
    ]);
    expect(applyPatch(before, patch)).toEqual(after);
    expect(before.a).toBe(1);
  });
});
