import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/http.js';
import type { ResourceRow } from '../src/api/kube-types.js';
import en from '../src/i18n/en.js';
import { columnsFor, statusTone } from '../src/lib/columns.js';
import { describeError } from '../src/lib/errors.js';
import { LiveRows } from '../src/lib/live-rows.js';
import { sortRows } from '../src/lib/sort.js';

/** The English catalogue with vue-i18n's {name} interpolation, enough to read the sentences. */
function translate(key: string, values: Record<string, unknown> = {}): string {
  const message = key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], en);
  return String(message).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]));
}

const row = (name: string, status: string, namespace = 'default'): ResourceRow => ({
  namespace,
  name,
  uid: `uid-${namespace}-${name}`,
  resourceVersion: '1',
  createdAt: '2026-01-01T00:00:00Z',
  labels: { app: name },
  cells: ['1/1', status, '0'],
});

describe('errors a person can act on', () => {
  it('names the permission a cluster 403 says is missing, and where', () => {
    const error = new ApiError(
      403,
      'kube_forbidden',
      'pods is forbidden: User "kubeops:dev" cannot list resource "pods" in API group "" in the namespace "payments"',
    );
    expect(describeError(error, translate)).toBe(
      'The cluster refused: you need permission to list pods in namespace payments. Ask a cluster administrator to grant it.',
    );
  });

  it('says when the missing permission is cluster-wide and in a named API group', () => {
    const error = new ApiError(
      403,
      'kube_forbidden',
      'deployments.apps is forbidden: User "kubeops:dev" cannot delete resource "deployments" in API group "apps" at the cluster scope',
    );
    expect(describeError(error, translate)).toContain('delete deployments.apps cluster-wide');
  });

  it('tells a refusal by KubeOps itself apart from one by the cluster', () => {
    const error = new ApiError(403, 'forbidden', 'Missing permission users:write');
    expect(describeError(error, translate)).toBe(
      'Not allowed in KubeOps: Missing permission users:write',
    );
  });
});

describe('live rows', () => {
  it('applies a burst of changes in one batch, with deletions', () => {
    const flushes: Array<() => void> = [];
    const rows = new LiveRows((flush) => flushes.push(flush));
    rows.snapshot([row('a', 'Running'), row('b', 'Running')], []);
    const before = rows.version.value;
    rows.changes([{ type: 'MODIFIED', row: row('a', 'CrashLoopBackOff') }]);
    rows.changes([
      { type: 'DELETED', row: row('b', 'Running') },
      { type: 'ADDED', row: row('c', 'Pending') },
    ]);
    expect(flushes).toHaveLength(1);
    expect(rows.version.value).toBe(before);
    flushes[0]!();
    expect(rows.version.value).toBe(before + 1);
    expect(
      rows
        .items()
        .map((r) => `${r.name}:${String(r.cells[1])}`)
        .sort(),
    ).toEqual(['a:CrashLoopBackOff', 'c:Pending']);
  });

  it('keeps a row that changed while later pages were being fetched', () => {
    const rows = new LiveRows((flush) => flush());
    rows.snapshot([row('a', 'Running')], []);
    rows.changes([{ type: 'ADDED', row: row('z', 'Pending') }]);
    rows.append([row('z', 'Running'), row('m', 'Running')]);
    expect(rows.items().find((r) => r.name === 'z')?.cells[1]).toBe('Pending');
    expect(rows.size).toBe(3);
  });
});

describe('resource table columns', () => {
  const printer = [
    { name: 'Ready', type: 'string', priority: 0 },
    { name: 'Status', type: 'string', priority: 0 },
    { name: 'Restarts', type: 'integer', priority: 0 },
    { name: 'IP', type: 'string', priority: 1 },
  ];

  it('shows kubectl’s default columns, with namespace only across namespaces', () => {
    expect(columnsFor(printer, true).map((c) => c.title)).toEqual([
      'columns.name',
      'columns.namespace',
      'Ready',
      'Status',
      'Restarts',
      'columns.age',
    ]);
    expect(columnsFor(printer, false).map((c) => c.id)).not.toContain('namespace');
  });

  it('sorts numbers as numbers and colours statuses', () => {
    const restarts = columnsFor(printer, false).find((c) => c.title === 'Restarts')!;
    const rows = [row('a', 'Running'), row('b', 'Running'), row('c', 'Running')];
    rows[0]!.cells[2] = 10;
    rows[1]!.cells[2] = 9;
    rows[2]!.cells[2] = 100;
    expect(sortRows(rows, restarts, false).map((r) => r.name)).toEqual(['b', 'a', 'c']);
    expect(sortRows(rows, restarts, true).map((r) => r.name)).toEqual(['c', 'a', 'b']);
    expect([statusTone('Running'), statusTone('Pending'), statusTone('ImagePullBackOff')]).toEqual([
      'ok',
      'warn',
      'error',
    ]);
  });
});
