import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeCloudEvent } from '@kubeops/contracts';
import type { ServerContext } from '../../src/context.js';
import { createLogger } from '../../src/core/logging.js';
import { InProcessBus } from '../../src/core/bus.js';
import type { KubeObject } from '../../src/kube/watch-loop.js';
import type { ResourceKey } from '../../src/cdc/change-record.js';
import { ChangeRecorder } from '../../src/cdc/change-recorder.js';
import { ChangeWriter } from '../../src/cdc/change-writer.js';
import { ChangePublisher, CHANGE_SUBJECT } from '../../src/cdc/change-publisher.js';
import { loadCapture } from '../../src/cdc/capture-state.js';
import { applyHistoryRetention } from '../../src/cdc/history-retention.js';
import { HistoryQueries } from '../../src/cdc/history-queries.js';
import { secretHasherOf } from '../../src/cdc/cdc-module.js';
import type { SecretHasher } from '../../src/cdc/normalise.js';
import {
  BACKENDS,
  testContext,
  testEnvironment,
  type TestEnvironment,
} from '../support/backends.js';

const CONFIGMAPS: ResourceKey = {
  cluster: 'c1',
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};
const SECRETS: ResourceKey = { ...CONFIGMAPS, resource: 'secrets', kind: 'Secret' };

function configMap(
  name: string,
  rv: number,
  data: Record<string, string>,
  manager = 'kubectl-client-side-apply',
  time = '2026-12-04T10:00:00Z',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns1',
      uid: `uid-${name}`,
      resourceVersion: String(rv),
      managedFields: [
        {
          manager,
          operation: 'Update',
          apiVersion: 'v1',
          time,
          fieldsV1: { 'f:data': Object.keys(data) },
        },
      ],
    },
    data,
  };
}

describe.each(BACKENDS)('change history store on %s', (backend) => {
  let env: TestEnvironment;
  let ctx: ServerContext;
  let writer: ChangeWriter;
  let hasher: SecretHasher;
  let now = new Date();
  const recorder = async (key: ResourceKey, snapshotEvery = 20) => {
    const stored = await loadCapture(ctx.db, key);
    return new ChangeRecorder(key, stored.states, writer, {
      table: 'changes',
      snapshotEvery,
      secrets: hasher,
      now: () => now,
    });
  };
  const rows = async (name?: string) =>
    (
      await ctx.db.query<{
        type: string;
        name: string;
        resource_version: string;
        seen_at_relist: boolean;
        patch: unknown;
        snapshot: unknown;
        field_managers: Array<{ manager: string }>;
        object_version: number;
        changed_secret_keys: string[] | null;
      }>(
        `SELECT type, name, resource_version, seen_at_relist, patch, snapshot, field_managers, object_version,
           changed_secret_keys FROM cdc_changes ${name ? 'WHERE name = $1' : ''} ORDER BY id`,
        name ? [name] : [],
      )
    ).rows;

  beforeAll(async () => {
    env = testEnvironment(backend);
    ctx = await testContext(env.config(), { bootstrap: false });
    hasher = await secretHasherOf(ctx);
    writer = new ChangeWriter(ctx.db, createLogger('silent'), {
      batchSize: 100,
      flushMilliseconds: 10,
    });
  });
  afterAll(async () => {
    await writer?.close();
    await ctx?.lifecycle.close();
    await env?.cleanup();
  });

  it('records a list as created, then diffs, managers and deletes, and skips bookkeeping-only versions', async () => {
    const r = await recorder(CONFIGMAPS);
    r.onListPage([configMap('a', 5, { k: '1' }), configMap('b', 6, { k: '1' })], '10');
    r.onListEnd('10');
    r.onEvent(
      'MODIFIED',
      configMap('a', 11, { k: '2' }, 'kubectl-edit', '2026-12-04T10:01:00Z'),
      '11',
    );
    // Only managedFields' time and the resourceVersion moved: nothing for the history.
    r.onEvent(
      'MODIFIED',
      configMap('a', 12, { k: '2' }, 'kubectl-edit', '2026-12-04T10:01:00Z'),
      '12',
    );
    r.onEvent('DELETED', configMap('b', 13, { k: '1' }), '13');
    await writer.flush();
    const stored = await rows();
    expect(stored.map((c) => [c.name, c.type, c.resource_version, c.seen_at_relist])).toEqual([
      ['a', 'created', '5', true],
      ['b', 'created', '6', true],
      ['a', 'updated', '11', false],
      ['b', 'deleted', '13', false],
    ]);
    expect(stored[0]!.snapshot).toMatchObject({ data: { k: '1' }, metadata: { name: 'a' } });
    expect(JSON.stringify(stored[0]!.snapshot)).not.toContain('managedFields');
    expect(JSON.stringify(stored[0]!.snapshot)).not.toContain('resourceVersion');
    expect(stored[2]!.patch).toEqual([{ op: 'replace', path: '/data/k', value: '2' }]);
    expect(stored[2]!.field_managers.map((m) => m.manager)).toEqual(['kubectl-edit']);
    expect(stored[2]!.object_version).toBe(2);
    const resume = await loadCapture(ctx.db, CONFIGMAPS);
    expect(resume.resourceVersion).toBe('13');
    expect([...resume.states.keys()]).toEqual(['uid-a']);
  });

  it('stores a change once, however often it is replayed', async () => {
    // A fresh recorder that knows nothing replays the same versions: the keys refuse them.
    const blank = new ChangeRecorder(CONFIGMAPS, new Map(), writer, {
      table: 'changes',
      snapshotEvery: 20,
      secrets: hasher,
    });
    blank.onEvent('ADDED', configMap('a', 5, { k: '1' }), '5');
    blank.onEvent('MODIFIED', configMap('a', 11, { k: '2' }), '11');
    await writer.flush();
    expect(await rows('a')).toHaveLength(2);
  });

  it('compares a relist with the stored state: new objects, changes and deletes seen at relist', async () => {
    const r = await recorder(CONFIGMAPS);
    r.onListPage([configMap('c', 20, { k: 'x' })], '25');
    r.onListEnd('25');
    await writer.flush();
    const seen = (await rows()).slice(-2);
    expect(seen.map((c) => [c.name, c.type, c.resource_version, c.seen_at_relist])).toEqual([
      ['c', 'created', '20', true],
      ['a', 'deleted', '25', true],
    ]);
  });

  it('finds deletes even when a list failed midway and started again', async () => {
    const r = await recorder(CONFIGMAPS);
    r.onListStart();
    r.onListPage([configMap('c', 20, { k: 'x' }), configMap('e', 40, { k: 'y' })], '41');
    // The list broke off; the retry no longer sees e (deleted meanwhile).
    r.onListStart();
    r.onListPage([configMap('c', 20, { k: 'x' })], '42');
    r.onListEnd('42');
    await writer.flush();
    expect((await rows('e')).map((c) => [c.type, c.resource_version, c.seen_at_relist])).toEqual([
      ['created', '40', true],
      ['deleted', '42', true],
    ]);
  });

  it('never stores a Secret value, only which keys changed and a keyed hash', async () => {
    const secret = (rv: number, password: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        namespace: 'ns1',
        uid: 'uid-s',
        resourceVersion: String(rv),
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            stringData: { password },
          }),
        },
      },
      data: {
        password: Buffer.from(password).toString('base64'),
        user: Buffer.from('admin').toString('base64'),
      },
    });
    const r = await recorder(SECRETS);
    r.onEvent('ADDED', secret(30, 'hunter2'), '30');
    r.onEvent('MODIFIED', secret(31, 'correct-horse'), '31');
    r.onEvent('MODIFIED', secret(32, 'hunter2'), '32');
    await writer.flush();
    const stored = await rows('s');
    const text = JSON.stringify(stored);
    for (const value of ['hunter2', 'correct-horse', 'admin'])
      for (const form of [value, Buffer.from(value).toString('base64')])
        expect(text).not.toContain(form);
    expect(stored[1]!.changed_secret_keys).toEqual(['password']);
    const first = (stored[0]!.snapshot as { data: Record<string, string> }).data.password;
    expect(first).toMatch(/^hmac-sha256:/);
    // Changed back: the same hash as the first version.
    expect(stored[2]!.patch).toEqual([{ op: 'replace', path: '/data/password', value: first }]);
  });

  it('rebuilds any version from snapshots and patches, and diffs two versions', async () => {
    const r = await recorder(CONFIGMAPS, 2);
    for (let i = 1; i <= 6; i++) {
      now = new Date(Date.now() - (10 - i) * 60_000);
      r.onEvent(
        i === 1 ? 'ADDED' : 'MODIFIED',
        configMap('d', 100 + i, { n: String(i), [`k${i}`]: 'v' }),
        String(100 + i),
      );
    }
    now = new Date();
    await writer.flush();
    const stored = await rows('d');
    expect(stored.filter((c) => c.snapshot).map((c) => c.object_version)).toEqual([1, 3, 5]);
    const queries = new HistoryQueries(ctx.db);
    const ref = { cluster: 'c1', group: '', resource: 'configmaps', namespace: 'ns1', name: 'd' };
    const asOf = await queries.asOf(ref, new Date(Date.now() - 5.5 * 60_000).toISOString());
    expect(asOf.objectVersion).toBe(4);
    expect((asOf.object as { data: unknown }).data).toEqual({ n: '4', k4: 'v' });
    const diff = await queries.diff(ref, 2, 6);
    expect(diff.patch).toEqual(
      expect.arrayContaining([
        { op: 'remove', path: '/data/k2' },
        { op: 'replace', path: '/data/n', value: '6' },
        { op: 'add', path: '/data/k6', value: 'v' },
      ]),
    );
    const page1 = await queries.objectHistory(ref, 4);
    expect(page1.items.map((c) => c.objectVersion)).toEqual([6, 5, 4, 3]);
    const page2 = await queries.objectHistory(ref, 4, page1.nextCursor!);
    expect(page2.items.map((c) => c.objectVersion)).toEqual([2, 1]);
    expect(page2.nextCursor).toBeNull();
    await expect(queries.asOf(ref, '2000-01-01T00:00:00Z')).rejects.toMatchObject({ status: 404 });
  });

  it('publishes every stored change in order as a CloudEvent, once, from a stored cursor', async () => {
    const bus = new InProcessBus();
    const heard: ChangeCloudEvent[] = [];
    bus.subscribe(CHANGE_SUBJECT, (e) => void heard.push(e as ChangeCloudEvent));
    const publisher = new ChangePublisher(ctx.db, bus, createLogger('silent'));
    publisher.start();
    const total = (await rows()).length;
    await expect.poll(() => heard.length).toBe(total);
    await publisher.stop();
    expect(heard[0]).toMatchObject({
      specversion: '1.0',
      type: 'io.kubeops.change.created',
      source: '/kubeops/clusters/c1',
      subject: 'core/configmaps/ns1/a',
      partitionkey: 'c1/uid-a',
      id: 'c1/uid-a/5',
      datacontenttype: 'application/json',
    });
    const ids = heard.map((e) => Number(e.data.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const again = new ChangePublisher(ctx.db, bus, createLogger('silent'));
    again.start();
    await new Promise((r) => setTimeout(r, 300));
    await again.stop();
    expect(heard).toHaveLength(total);
  });

  it('keeps Kubernetes Events in their own table, read with events=true', async () => {
    const key = { ...CONFIGMAPS, resource: 'events', kind: 'Event' };
    const events = new ChangeRecorder(key, new Map(), writer, {
      table: 'events',
      snapshotEvery: 20,
      secrets: undefined,
    });
    events.onEvent(
      'ADDED',
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e1', namespace: 'ns1', uid: 'uid-e1', resourceVersion: '300' },
        reason: 'Scheduled',
      },
      '300',
    );
    await writer.flush();
    const queries = new HistoryQueries(ctx.db);
    const visible = [{ cluster: 'c1', group: '', resource: 'events', namespaces: null }];
    expect((await queries.changes({ visible, events: true })).items.map((c) => c.name)).toEqual([
      'e1',
    ]);
    expect((await queries.changes({ visible })).items).toEqual([]);
    expect((await rows('e1')).length).toBe(0);
  });

  it('keeps changes in day partitions and drops whole days past retention', async () => {
    const r = await recorder(CONFIGMAPS);
    now = new Date(Date.now() - 100 * 86_400_000);
    r.onEvent('MODIFIED', configMap('c', 200, { k: 'old' }), '200');
    now = new Date();
    await writer.flush();
    const day = new Date(Date.now() - 100 * 86_400_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll('-', '');
    const partitions = async () =>
      (
        await ctx.db.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'cdc_changes'`,
        )
      ).rows.map((p) => p.name);
    expect(await partitions()).toContain(`cdc_changes_p${day}`);
    const dropped = await applyHistoryRetention(ctx.db, { changes: 90, events: 7 });
    expect(dropped).toEqual([`cdc_changes_p${day}`]);
    expect(await partitions()).not.toContain(`cdc_changes_p${day}`);
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    expect(await partitions()).toContain(`cdc_changes_p${today}`);
    expect((await rows('c')).map((c) => c.resource_version)).toEqual(['20']);
  });
});
