import { describe, expect, it } from 'vitest';
import { KubeOpsError } from '../../src/core/errors.js';
import { jsonDiff } from '../../src/kube/json-diff.js';
import { parseLabelSelector } from '../../src/kube/label-selector.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  const matches = (selector: string) => parseLabelSelector(selector)!(labels);

  it('supports the whole Kubernetes syntax', () => {
    expect(matches('app=web')).toBe(true);
    expect(matches('app==web,tier!=back')).toBe(true);
    expect(matches('app in (web, api),example.com/team')).toBe(true);
    expect(matches('app notin (web)')).toBe(false);
    expect(matches('!missing,tier')).toBe(true);
    expect(matches('!tier')).toBe(false);
    expect(matches('missing!=x')).toBe(true);
    expect(matches('missing in (x)')).toBe(false);
  });

  it('names the field and the bad part of an invalid selector', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(KubeOpsError);
    expect(() => parseLabelSelector('app=(x)')).toThrow(
      /labelSelector: "app=\(x\)" has an invalid label value/,
    );
  });
});

describe('dry-run diffs', () => {
  it('lists changes as JSON pointers and ignores bookkeeping', () => {
    const before = {
      metadata: { name: 'a', resourceVersion: '1', labels: { x: '1' } },
      spec: { replicas: 1, ports: [{ port: 80 }] },
    };
    const after = {
      metadata: { name: 'a', resourceVersion: '2', labels: { y: '2' } },
      spec: { replicas: 3, ports: [{ port: 80 }] },
    };
    expect(jsonDiff(before, after)).toEqual([
      { op: 'remove', path: '/metadata/labels/x', from: '1' },
      { op: 'add', path: '/metadata/labels/y', to: '2' },
      { op: 'replace', path: '/spec/replicas', from: 1, to: 3 },
    ]);
  });
});
