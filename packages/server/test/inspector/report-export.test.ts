import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { inspectorOf, startRunner } from '../../src/inspector/inspector-module.js';
import { readObject } from '../../src/providers/storage/index.js';
import { adminCore, kubeTestEnv, type KubeTestEnv } from '../kube/support.js';

describe('inspection reports exported to object storage', () => {
  let env: KubeTestEnv;
  let namespace: string;
  const objects = mkdtempSync(join(tmpdir(), 'kubeops-reports-'));

  beforeAll(async () => {
    env = await kubeTestEnv('local', undefined, {
      KUBEOPS_STORAGE_TYPE: 'local',
      KUBEOPS_STORAGE_LOCAL_PATH: objects,
      KUBEOPS_INSPECTOR_REPORT_FORMATS: 'json,sarif,junit',
    });
    namespace = await createTestNamespace('insp-export');
    // No requests, limits or probes: the rules have something to say about it.
    await adminCore().createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'bare', labels: { app: 'bare' } },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/app:latest' }] },
      },
    });
  }, 120_000);

  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
    await env?.close();
    rmSync(objects, { recursive: true, force: true });
  });

  it('writes each finished run as JSON, SARIF and JUnit, holding the findings the run stored', async () => {
    const inspector = inspectorOf(env.ctx);
    const run = await inspector.runs.enqueue({ cluster: 'local', namespace, trigger: 'manual' });
    const runner = startRunner(env.ctx, { holder: 'export-runner' });
    const tick = await runner.tick();
    await runner.lease.release();
    expect(tick.executed).toContain(run.id);
    expect((await inspector.runs.get(run.id)).status).toBe('succeeded');

    const { rows } = await env.ctx.db.query<{ fingerprint: string }>(
      'SELECT fingerprint FROM inspection_run_findings WHERE run_id = $1',
      [run.id],
    );
    expect(rows.length).toBeGreaterThan(0);

    const json = JSON.parse(
      (await readObject(env.ctx.objects, `reports/local/${run.id}.json`)).toString('utf8'),
    ) as {
      target: string;
      findings: Array<{
        fingerprint: string;
        resource: { kind: string; name: string; namespace?: string };
      }>;
    };
    expect(json.target).toBe(`cluster local/${namespace}`);
    expect(json.findings.map((f) => f.fingerprint).sort()).toEqual(
      rows.map((r) => r.fingerprint).sort(),
    );
    // The run's scope: objects in the namespace, and the Namespace object itself.
    expect(
      json.findings.filter(
        (f) =>
          f.resource.namespace !== namespace &&
          !(f.resource.kind === 'Namespace' && f.resource.name === namespace),
      ),
    ).toEqual([]);

    const sarif = JSON.parse(
      (await readObject(env.ctx.objects, `reports/local/${run.id}.sarif`)).toString('utf8'),
    ) as { version: string; runs: Array<{ results: unknown[] }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results).toHaveLength(rows.length);

    const junit = (await readObject(env.ctx.objects, `reports/local/${run.id}.junit.xml`)).toString(
      'utf8',
    );
    expect(junit).toMatch(/^<\?xml/);
  });

  it('keeps the run when storage refuses the report', async () => {
    const broken = await kubeTestEnv('local', undefined, {
      KUBEOPS_STORAGE_TYPE: 's3',
      KUBEOPS_STORAGE_S3_BUCKET: 'kubeops-no-such-bucket',
      KUBEOPS_STORAGE_S3_ENDPOINT: process.env.KUBEOPS_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:9',
      KUBEOPS_STORAGE_S3_FORCE_PATH_STYLE: 'true',
      KUBEOPS_STORAGE_S3_ACCESS_KEY_ID: process.env.KUBEOPS_TEST_S3_ACCESS_KEY ?? 'x',
      KUBEOPS_STORAGE_S3_SECRET_ACCESS_KEY: process.env.KUBEOPS_TEST_S3_SECRET_KEY ?? 'x',
      KUBEOPS_INSPECTOR_REPORT_FORMATS: 'json',
    });
    try {
      const inspector = inspectorOf(broken.ctx);
      const run = await inspector.runs.enqueue({ cluster: 'local', namespace, trigger: 'manual' });
      const runner = startRunner(broken.ctx, { holder: 'export-runner-broken' });
      expect((await runner.tick()).executed).toContain(run.id);
      await runner.lease.release();
      expect((await inspector.runs.get(run.id)).status).toBe('succeeded');
    } finally {
      await broken.close();
    }
  });
});
