import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace, waitFor } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { inspectorOf, startRunner } from '../../src/inspector/inspector-module.js';
import type { InspectionRunner } from '../../src/inspector/inspection-runner.js';
import { openPostgres } from '../../src/store/postgres.js';
import { RunnerLease } from '../../src/inspector/store/runner-lease.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from '../kube/support.js';

/** A pod that does everything right except the planted fault the test adds. */
function pod(name: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0', ...extra }] },
  };
}

describe('the inspection service on PostgreSQL and the test cluster', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let mine: string;
  let other: string;
  let hook: Server;
  const received: Array<{
    counts: { new: number };
    findings: Array<{ ruleId: string; status: string }>;
  }> = [];
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    [mine, other] = await Promise.all([
      createTestNamespace('insp-mine'),
      createTestNamespace('insp-other'),
    ]);
    const core = adminCore();
    for (const namespace of [mine, other]) {
      await core.createNamespacedPod({
        namespace,
        body: pod('privileged', { securityContext: { privileged: true } }),
      });
    }
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.end('{}');
      });
    });
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
    await inspectorOf(env.ctx).channels.create(
      {
        name: 'ops-hook',
        minSeverity: 'high',
        newOnly: true,
        config: {
          type: 'webhook',
          url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
        },
      },
      'test',
    );
  });

  afterAll(async () => {
    for (const unbind of unbinds) await unbind();
    await Promise.all([mine && deleteNamespace(mine), other && deleteNamespace(other)]);
    await new Promise((done) => hook?.close(done));
    await app?.close();
    await env?.close();
  });

  it('elects exactly one runner among replicas racing for the lease on one database', async () => {
    const second = await openPostgres({
      url: process.env.KUBEOPS_TEST_DATABASE_URL!,
      schema: env.ctx.config.database.schema,
      poolSize: 3,
    });
    try {
      const leases = Array.from(
        { length: 6 },
        (_, i) => new RunnerLease(i % 2 ? second : env.ctx.db, 'race', `replica-${i}`, 1500),
      );
      for (let round = 0; round < 5; round++) {
        const held = await Promise.all(leases.map((l) => l.tryAcquire()));
        expect(held.filter(Boolean)).toHaveLength(1);
      }
      const winner = leases[(await Promise.all(leases.map((l) => l.tryAcquire()))).indexOf(true)]!;
      // While the holder renews, nobody else gets it; once it stops and the lease expires, another does.
      await new Promise((r) => setTimeout(r, 1700));
      const after = await Promise.all(
        leases.filter((l) => l !== winner).map((l) => l.tryAcquire()),
      );
      expect(after.filter(Boolean)).toHaveLength(1);
      expect(await winner.tryAcquire()).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('queues a due schedule once and executes it once when two runners tick together', async () => {
    const inspector = inspectorOf(env.ctx);
    const schedule = await inspector.schedules.create(
      {
        name: 'race',
        cluster: 'local',
        namespace: mine,
        // A workload scope with nothing in it keeps this run out of the lifecycle test's way.
        workload: { kind: 'Deployment', name: 'absent' },
        cron: '*/5 * * * *',
      },
      'test',
    );
    await env.ctx.db.query(
      `UPDATE inspection_schedules SET next_run_at = now() - interval '1 minute' WHERE id = $1`,
      [schedule.id],
    );
    const runners: InspectionRunner[] = [
      startRunner(env.ctx, { holder: 'replica-a' }),
      startRunner(env.ctx, { holder: 'replica-b' }),
    ];
    const reports = await Promise.all(runners.map((r) => r.tick()));
    expect(reports.filter((r) => r.leader)).toHaveLength(1);
    expect(reports.flatMap((r) => r.scheduled)).toHaveLength(1);
    expect(reports.flatMap((r) => r.executed)).toHaveLength(1);
    const again = await Promise.all(runners.map((r) => r.tick()));
    expect(again.flatMap((r) => r.scheduled)).toHaveLength(0);
    const { rows } = await env.ctx.db.query<{ status: string; next: Date }>(
      `SELECT r.status, s.next_run_at AS next FROM inspection_runs r JOIN inspection_schedules s ON s.id = r.schedule_id WHERE s.id = $1`,
      [schedule.id],
    );
    expect(rows.map((r) => r.status)).toEqual(['succeeded']);
    expect(new Date(rows[0]!.next).getTime()).toBeGreaterThan(Date.now());
    await inspector.schedules.remove(schedule.id);
    const leader = runners.find((r) => r.isLeader)!;
    await leader.lease.release();
  });

  async function runNow(namespace: string) {
    const inspector = inspectorOf(env.ctx);
    const run = await inspector.runs.enqueue({ cluster: 'local', namespace, trigger: 'manual' });
    const runner = startRunner(env.ctx, { holder: 'replica-a' });
    const report = await runner.tick();
    expect(report.executed).toContain(run.id);
    await runner.lease.release();
    return inspector.runs.get(run.id);
  }

  const statusOf = async (namespace: string, ruleId: string, name: string) => {
    const { rows } = await env.ctx.db.query<{ status: string }>(
      `SELECT status FROM inspection_findings WHERE cluster = 'local' AND namespace = $1 AND rule_id = $2 AND name = $3`,
      [namespace, ruleId, name],
    );
    return rows[0]?.status;
  };

  it('tracks findings across runs: new, open, resolved, regressed', async () => {
    received.length = 0;
    const first = await runNow(mine);
    expect(first.status).toBe('succeeded');
    expect(await statusOf(mine, 'container-privileged', 'privileged')).toBe('new');
    expect(first.new_count).toBeGreaterThan(0);
    // The new-only channel got the new high+ findings once.
    expect(received).toHaveLength(1);
    expect(received[0]!.findings.map((f) => f.ruleId)).toContain('container-privileged');
    expect(received[0]!.findings.every((f) => f.status === 'new')).toBe(true);

    const second = await runNow(mine);
    expect(await statusOf(mine, 'container-privileged', 'privileged')).toBe('open');
    expect(second.new_count).toBe(0);
    expect(received).toHaveLength(1);

    const core = adminCore();
    await core.deleteNamespacedPod({ namespace: mine, name: 'privileged', gracePeriodSeconds: 0 });
    await waitFor('the pod to go', async () =>
      core.readNamespacedPod({ namespace: mine, name: 'privileged' }).then(
        () => false,
        () => true,
      ),
    );
    const third = await runNow(mine);
    expect(await statusOf(mine, 'container-privileged', 'privileged')).toBe('resolved');
    expect(third.resolved_count).toBeGreaterThan(0);
    // A namespace run never resolves another namespace's findings.
    await runNow(other);
    expect(await statusOf(other, 'container-privileged', 'privileged')).toBe('new');
    await runNow(mine);
    expect(await statusOf(other, 'container-privileged', 'privileged')).toBe('new');

    await core.createNamespacedPod({
      namespace: mine,
      body: pod('privileged', { securityContext: { privileged: true } }),
    });
    await runNow(mine);
    expect(await statusOf(mine, 'container-privileged', 'privileged')).toBe('regressed');
    expect(received.at(-1)!.findings.find((f) => f.ruleId === 'container-privileged')?.status).toBe(
      'regressed',
    );
  });

  it('shows a user only the findings of namespaces the cluster lets them read', async () => {
    const auth = await signIn(env.ctx, 'alice');
    unbinds.push(await bindUser('alice', 'view', mine));
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/inspections/findings?cluster=local&limit=500',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    const namespaces = new Set(
      res
        .json()
        .items.map((f: { resource: { kind: string; namespace: string | null; name: string } }) =>
          f.resource.kind === 'Namespace' ? f.resource.name : f.resource.namespace,
        ),
    );
    expect([...namespaces]).toEqual([mine]);
    const forbidden = await app.inject({
      method: 'GET',
      url: `/api/v1/inspections/trends?cluster=local&namespace=${other}`,
      headers: auth,
    });
    expect(forbidden.statusCode).toBe(403);
    const trends = await app.inject({
      method: 'GET',
      url: `/api/v1/inspections/trends?cluster=local&namespace=${mine}`,
      headers: auth,
    });
    expect(trends.statusCode).toBe(200);
    const points = trends.json().items as Array<{ overall: number; scores: { security: number } }>;
    expect(points.length).toBeGreaterThanOrEqual(4);
    expect(points.every((p) => p.overall > 0 && p.overall <= 100)).toBe(true);
    // A viewer may read but not run inspections.
    const run = await app.inject({
      method: 'POST',
      url: '/api/v1/inspections/runs',
      headers: auth,
      payload: { cluster: 'local', namespace: mine },
    });
    expect(run.statusCode).toBe(403);
  });

  it('stores exemptions with reason and expiry, audits them, and applies them to the next run', async () => {
    const auth = await signIn(env.ctx, 'olivia', 'operator');
    unbinds.push(await bindUser('olivia', 'view', mine));
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/inspections/exemptions',
      headers: auth,
      payload: {
        ruleIds: ['container-privileged'],
        reason: 'debug pod',
        expiresAt: '2001-01-01T00:00:00Z',
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_request', details: { field: 'expiresAt' } });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/inspections/exemptions',
      headers: auth,
      payload: {
        cluster: 'local',
        ruleIds: ['container-privileged'],
        resource: { namespace: mine },
        reason: 'node debugging pod, approved by SRE',
        expiresAt,
      },
    });
    expect(created.statusCode).toBe(201);
    const audit = await env.ctx.audit.query({ action: 'inspections.exemptions.create' });
    expect(audit.items[0]).toMatchObject({
      actor: 'olivia',
      details: { reason: 'node debugging pod, approved by SRE', expiresAt },
    });

    const queued = await app.inject({
      method: 'POST',
      url: '/api/v1/inspections/runs',
      headers: auth,
      payload: { cluster: 'local', namespace: mine },
    });
    expect(queued.statusCode).toBe(202);
    const runner = startRunner(env.ctx, { holder: 'replica-a' });
    await runner.tick();
    await runner.lease.release();
    const report = await app.inject({
      method: 'GET',
      url: `/api/v1/inspections/runs/${queued.json().id}`,
      headers: auth,
    });
    expect(report.json()).toMatchObject({ status: 'succeeded', summary: { suppressed: 1 } });
    expect(await statusOf(mine, 'container-privileged', 'privileged')).toBe('resolved');

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/inspections/exemptions/${created.json().id}`,
      headers: auth,
    });
    expect(revoked.statusCode).toBe(200);
    expect(
      (await env.ctx.audit.query({ action: 'inspections.exemptions.revoke' })).items,
    ).toHaveLength(1);
  });

  it('refuses a bad cron expression naming the field', async () => {
    const auth = await signIn(env.ctx, 'oscar', 'operator');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/inspections/schedules',
      headers: auth,
      payload: { name: 'nightly', cluster: 'local', cron: '0 25 * * *' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request', details: { field: 'cron' } });
  });
});
