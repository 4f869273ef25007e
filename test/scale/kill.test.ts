import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, deleteNamespace } from '../support/cluster.js';
import { ADMIN_PASSWORD, ScaleLayout } from '../support/scale-layout.js';
import { call, ok, openLiveSocket, registerTestCluster, servedBy, signIn, within } from './api.js';

/**
 * `kill -9` of one api replica under a steady load through the balancer: no
 * request fails but those in flight on the killed replica (HAProxy sends an
 * idempotent GET that got no answer to the other replica), every mutation
 * that was answered is in the audit table, and a live table's socket, cut
 * with the replica, reconnects through the balancer to the other one and
 * shows what changed meanwhile (resumed from its last resourceVersion when
 * that replica's cache knows it, else sent whole again).
 */

interface Outcome {
  kind: 'page' | 'mutation';
  startedAt: number;
  endedAt: number;
  status: number | 'error';
  requestId?: string;
}

interface LiveMessage {
  type: string;
  resourceVersion?: string | null;
  changes?: Array<{ type: string; row: { name: string } }>;
  items?: Array<{ name: string }>;
}

const LOAD_MS = 20_000;
const PAGE_EVERY_MS = 50; // 20 page queries per second
const MUTATION_EVERY_MS = 250; // 4 audited changes per second
const KILL_AFTER_MS = 6_000;

function collect(socket: WebSocket): LiveMessage[] {
  const messages: LiveMessage[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as LiveMessage));
  return messages;
}

async function next(messages: LiveMessage[], test: (m: LiveMessage) => boolean, ms = 15_000) {
  let found: LiveMessage | undefined;
  await within(ms, `a live message (got ${JSON.stringify(messages).slice(0, 800)})`, async () => {
    found = messages.find(test);
    return found !== undefined;
  });
  return found!;
}

describe('kill -9 of an api replica under load, behind HAProxy', () => {
  let layout: ScaleLayout;
  let admin: string;
  let namespace: string;
  const run = randomBytes(3).toString('hex');
  const cluster = `kill-${run}`;
  const bindingName = `kubeops-scale-kill-${run}`;
  const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);

  beforeAll(async () => {
    await rbac().createClusterRoleBinding({
      body: {
        metadata: { name: bindingName, labels: { 'kubeops.io/test': 'true' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'kubeops:admin', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    namespace = await createTestNamespace('scale-kill');
    for (let i = 0; i < 30; i++)
      await core().createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `cm-${i}` }, data: { n: String(i) } },
      });
    layout = await ScaleLayout.start({ bus: 'nats' });
    admin = await signIn(layout.url, 'admin', ADMIN_PASSWORD);
    await registerTestCluster(layout.url, admin, cluster);
  }, 240_000);

  afterAll(async () => {
    await layout?.stop();
    if (namespace) await deleteNamespace(namespace);
    await rbac()
      .deleteClusterRoleBinding({ name: bindingName })
      .catch(() => undefined);
  }, 60_000);

  it('fails only what was in flight on it, loses no audit entry, and live tables reconnect to the other replica and catch up', async () => {
    const page = `/api/v1/clusters/${cluster}/resources/core/v1/configmaps?namespace=${namespace}&limit=20`;
    // Both replicas have the page's cache warm, as in a running installation.
    for (const replica of layout.api)
      await within(30_000, `${replica.name} serves the page`, async () => {
        return (await call(replica.url, 'GET', page, admin)).status === 200;
      });
    const target = await ok(layout.url, 'POST', '/api/v1/users', admin, {
      username: `renamed-${run}`,
      password: 'renamed-user-password',
    });

    // A live table through the balancer; the replica holding it is the one killed.
    const socket = await openLiveSocket(layout.url, admin);
    const victimName = servedBy.get(socket);
    const victim = layout.api.find((p) => p.name === victimName);
    expect(victim, `X-Served-By ${victimName}`).toBeDefined();
    const survivor = layout.api.find((p) => p !== victim)!;
    const subscribe = {
      type: 'subscribe',
      id: 'table',
      cluster,
      group: 'core',
      version: 'v1',
      resource: 'configmaps',
      namespace,
    };
    const first = collect(socket);
    socket.send(JSON.stringify(subscribe));
    const snapshot = await next(first, (m) => m.type === 'snapshot');
    const socketClosed = new Promise<number>((r) => socket.once('close', (code) => r(code)));

    const outcomes: Outcome[] = [];
    const pending: Array<Promise<void>> = [];
    const send = (kind: Outcome['kind'], init: () => Promise<Response>) => {
      const startedAt = Date.now();
      pending.push(
        init().then(
          async (response) => {
            await response.arrayBuffer();
            outcomes.push({
              kind,
              startedAt,
              endedAt: Date.now(),
              status: response.status,
              requestId: response.headers.get('x-request-id') ?? undefined,
            });
          },
          () => void outcomes.push({ kind, startedAt, endedAt: Date.now(), status: 'error' }),
        ),
      );
    };
    const headers = { authorization: `Bearer ${admin}` };
    let mutations = 0;
    const started = Date.now();
    const pages = setInterval(
      () => send('page', () => fetch(`${layout.url}${page}`, { headers })),
      PAGE_EVERY_MS,
    );
    const changes = setInterval(() => {
      const n = ++mutations;
      send('mutation', () =>
        fetch(`${layout.url}/api/v1/users/${String(target.id)}`, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: `renamed ${n}` }),
        }),
      );
    }, MUTATION_EVERY_MS);

    await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
    const killAt = Date.now();
    await victim!.kill();
    const killedAt = Date.now();
    // Made while the table's socket is down: the resumed table must show it.
    await core().createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'while-away' }, data: { n: 'x' } },
    });
    expect(await socketClosed).toBe(1006);

    // The console's client reconnects with a new ticket and resumes from what it had.
    const again = await openLiveSocket(layout.url, admin);
    expect(servedBy.get(again)).toBe(survivor.name);
    const second = collect(again);
    again.send(JSON.stringify({ ...subscribe, resourceVersion: snapshot.resourceVersion }));
    const resumed = await next(second, (m) => m.type === 'resume' || m.type === 'snapshot');
    // The other replica resumes when its cache knows the resourceVersion; otherwise (its
    // cache listed at another point) it sends the table again: either way nothing is missed.
    console.log(`live table after the kill: ${resumed.type} from ${survivor.name}`);
    await next(
      second,
      (m) =>
        (m.changes ?? []).some((c) => c.row.name === 'while-away') ||
        (m.type === 'snapshot' && (m.items ?? []).some((i) => i.name === 'while-away')),
    );
    again.close();

    await new Promise((r) => setTimeout(r, Math.max(0, started + LOAD_MS - Date.now())));
    clearInterval(pages);
    clearInterval(changes);
    await Promise.all(pending);

    const failed = outcomes.filter((o) => o.status === 'error' || o.status >= 500);
    const inFlightAtKill = (o: Outcome) => o.startedAt <= killedAt && o.endedAt >= killAt;
    const summary = {
      pages: outcomes.filter((o) => o.kind === 'page').length,
      mutations: outcomes.filter((o) => o.kind === 'mutation').length,
      failed: failed.map((o) => ({ ...o, inFlight: inFlightAtKill(o) })),
    };
    console.log(`kill -9 ${victim!.name} under load: ${JSON.stringify(summary)}`);
    expect(summary.pages).toBeGreaterThanOrEqual((LOAD_MS / PAGE_EVERY_MS) * 0.9);
    // Every failure was a request the killed replica held (a change HAProxy must not send twice).
    expect(
      failed.filter((o) => !inFlightAtKill(o)),
      layout.balancerLog(),
    ).toEqual([]);
    expect(failed.filter((o) => o.kind === 'page')).toEqual([]);
    expect(
      outcomes.filter((o) => o.status !== 'error' && o.status >= 400 && o.status < 500),
    ).toEqual([]);

    // Every change that was answered is in the audit table, once.
    const answered = outcomes.filter((o) => o.kind === 'mutation' && o.status === 200);
    const db = await layout.databaseClient();
    try {
      const { rows } = await db.query<{ request_id: string; n: string }>(
        `SELECT request_id, count(*) AS n FROM audit_log
         WHERE action = 'users.update' AND result = 'success' AND request_id = ANY($1::text[])
         GROUP BY request_id`,
        [answered.map((o) => o.requestId)],
      );
      expect(rows.length).toBe(answered.length);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      // And no change was applied twice (a balancer resending a PATCH would add entries).
      const all = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'users.update' AND result = 'success'`,
      );
      const unanswered = outcomes.filter((o) => o.kind === 'mutation' && o.status !== 200).length;
      expect(Number(all.rows[0]!.n)).toBeGreaterThanOrEqual(answered.length);
      expect(Number(all.rows[0]!.n)).toBeLessThanOrEqual(answered.length + unanswered);
    } finally {
      await db.end();
    }
  }, 120_000);
});
