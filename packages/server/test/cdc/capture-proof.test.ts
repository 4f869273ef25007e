import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/free-port.js';
import { waitFor } from '../../../../test/support/cluster.js';
import { createContext, type ServerContext } from '../../src/context.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logging.js';
import { kubeModuleOf } from '../../src/kube/kube-module.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { isKubeStatus } from '../../src/kube/kube-error.js';
import { flatKubeconfig } from '../kube/support.js';
import { TEST_NETWORK_ENV } from '../../../../test/support/network.js';

const repo = resolve(import.meta.dirname, '../../../..');
const main = resolve(repo, 'packages/server/src/cli/main.ts');
const CLUSTER = 'proof';
const RUN = randomBytes(3).toString('hex');
const NS = `t-cdc-proof-${RUN}`;
const GROUP = `cdcproof${RUN}.kubeops.io`;
const MANAGER = 'cdc-proof';
const auditLog = process.env.KUBEOPS_TEST_AUDIT_LOG;

type Kind = 'configmaps' | 'secrets' | 'deployments' | 'widgets';
const KINDS: Kind[] = ['configmaps', 'secrets', 'deployments', 'widgets'];
const secretValue = (n: number) => `proof-secret-value-${RUN}-${n}`;

const collection = (kind: Kind) =>
  ({
    configmaps: `/api/v1/namespaces/${NS}/configmaps`,
    secrets: `/api/v1/namespaces/${NS}/secrets`,
    deployments: `/apis/apps/v1/namespaces/${NS}/deployments`,
    widgets: `/apis/${GROUP}/v1/namespaces/${NS}/widgets`,
  })[kind];

function body(kind: Kind, name: string, n: number): unknown {
  const metadata = { name, annotations: { 'proof/n': String(n) } };
  switch (kind) {
    case 'configmaps':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { n: String(n) } };
    case 'secrets':
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata,
        data: { password: Buffer.from(secretValue(n)).toString('base64') },
      };
    case 'deployments':
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: `registry.invalid/proof:${n}` }] },
          },
        },
      };
    case 'widgets':
      return { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata, spec: { n } };
  }
}

/** A change that always changes what is stored: a new counter in an annotation and the kind's payload. */
function patchOf(kind: Kind, n: number): unknown {
  const metadata = { annotations: { 'proof/n': String(n) } };
  switch (kind) {
    case 'configmaps':
      return { metadata, data: { n: String(n) } };
    case 'secrets':
      return { metadata, data: { password: Buffer.from(secretValue(n)).toString('base64') } };
    case 'deployments':
      return { metadata };
    case 'widgets':
      return { metadata, spec: { n } };
  }
}

/**
 * Runs writes `concurrency` at a time. The proof is about what the API server
 * accepted: a write that lost a race with a delete of the same object (404)
 * is simply not in the audit log as a success.
 */
async function burst(jobs: Array<() => Promise<unknown>>, concurrency = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length)
        await jobs[next++]!().catch((error: unknown) => {
          if (!isKubeStatus(error, 404)) throw error;
        });
    }),
  );
}

interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  stageTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
}

/** When each object was created and deleted (`<resource>/<name>/<type>`), for the capture lag. */
const auditTimes = new Map<string, number>();

/** Successful writes to our objects by us, per `<resource>/<name>`, from the API server's audit log. */
async function auditedWrites(): Promise<
  Map<string, { created: number; updated: number; deleted: number }>
> {
  const out = new Map<string, { created: number; updated: number; deleted: number }>();
  const lines = createInterface({ input: createReadStream(auditLog!) });
  for await (const line of lines) {
    if (!line.includes(NS)) continue;
    const e = JSON.parse(line) as AuditEvent;
    const ref = e.objectRef;
    if (e.stage !== 'ResponseComplete' || ref?.namespace !== NS || ref.subresource) continue;
    if (!KINDS.includes(ref.resource as Kind) || e.user.username.startsWith('system:')) continue;
    const code = e.responseStatus?.code ?? 0;
    if (code < 200 || code >= 300) continue;
    const type =
      e.verb === 'create'
        ? 'created'
        : e.verb === 'delete'
          ? 'deleted'
          : ['patch', 'update'].includes(e.verb)
            ? 'updated'
            : undefined;
    if (!type || !ref.name) continue;
    const key = `${ref.resource}/${ref.name}`;
    const counts = out.get(key) ?? { created: 0, updated: 0, deleted: 0 };
    counts[type] += 1;
    out.set(key, counts);
    if (type !== 'updated') auditTimes.set(`${key}/${type}`, Date.parse(e.stageTimestamp));
  }
  return out;
}

describe.skipIf(!auditLog)(
  'every change recorded exactly once (cdc process killed, 410 Gone forced)',
  () => {
    let ctx: ServerContext;
    let admin: KubeClient;
    let cdc: ChildProcess | undefined;
    let cdcOutput = '';
    let childEnv: Record<string, string>;
    let port: number;
    const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-cdc-proof-'));
    const schema = `t_cdc_${RUN}`;
    let counter = 0;
    const live = new Map<Kind, string[]>(KINDS.map((k) => [k, []]));
    let serial = 0;
    const writeTimes: number[] = [];

    const create = (kind: Kind) => async () => {
      const name = `${kind.slice(0, 3)}-${serial++}`;
      await admin.request({
        method: 'POST',
        path: collection(kind),
        query: { fieldManager: MANAGER },
        body: body(kind, name, ++counter),
      });
      writeTimes.push(Date.now());
      live.get(kind)!.push(name);
    };
    const update = (kind: Kind, name: string) => async () => {
      await admin.request({
        method: 'PATCH',
        path: `${collection(kind)}/${name}`,
        query: { fieldManager: MANAGER },
        contentType: 'application/merge-patch+json',
        body: patchOf(kind, ++counter),
      });
      writeTimes.push(Date.now());
    };
    const remove = (kind: Kind) => {
      const names = live.get(kind)!;
      const name = names.splice(Math.floor(names.length / 2), 1)[0]!;
      return async () => {
        await admin.request({ method: 'DELETE', path: `${collection(kind)}/${name}`, body: {} });
        writeTimes.push(Date.now());
      };
    };
    /** `count` objects of every kind, taken without repeats (each written once in the phase). */
    const distinct = (count: number) =>
      KINDS.flatMap((kind) =>
        live
          .get(kind)!
          .slice(0, count)
          .map((name) => update(kind, name)),
      );

    async function startCdc(): Promise<void> {
      cdcOutput += '\n--- cdc started ---\n';
      const child = spawn(
        'node',
        [
          '--conditions=development',
          '--import',
          'tsx',
          main,
          'serve',
          '--target=cdc',
          '--port',
          String(port),
        ],
        { cwd: repo, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (chunk: Buffer) => (cdcOutput += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (cdcOutput += chunk.toString()));
      cdc = child;
      await waitFor(
        'the cdc process to be ready',
        async () => {
          if (child.exitCode !== null)
            throw new Error(`cdc exited ${child.exitCode}:\n${cdcOutput}`);
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
        },
        90_000,
      );
    }

    async function killCdc(): Promise<void> {
      const child = cdc!;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      cdc = undefined;
    }

    async function stored(): Promise<
      Array<{
        resource: string;
        name: string;
        type: string;
        managers: string[];
        relist: boolean;
        ours: boolean;
        observedAt: number;
      }>
    > {
      const { rows } = await ctx.db.query<{
        resource: string;
        name: string;
        type: string;
        field_managers: Array<{ manager: string }>;
        seen_at_relist: boolean;
        patch: Array<{ path: string }>;
        observed_at: Date;
      }>(
        `SELECT resource, name, type, field_managers, seen_at_relist, patch, observed_at FROM cdc_changes
         WHERE cluster = $1 AND namespace = $2 ORDER BY id`,
        [CLUSTER, NS],
      );
      return rows.map((r) => ({
        resource: r.resource,
        name: r.name,
        type: r.type,
        managers: r.field_managers.map((m) => m.manager),
        relist: r.seen_at_relist,
        // Each of our writes sets a new proof/n annotation, which nothing else touches.
        ours: r.type !== 'updated' || r.patch.some((op) => JSON.stringify(op).includes('proof')),
        observedAt: new Date(r.observed_at).getTime(),
      }));
    }

    /** What the history holds of our writes, counted like the audit log. */
    async function recorded() {
      const out = new Map<string, { created: number; updated: number; deleted: number }>();
      for (const c of await stored()) {
        const key = `${c.resource}/${c.name}`;
        const counts = out.get(key) ?? { created: 0, updated: 0, deleted: 0 };
        // Controllers also change Deployments (status, the revision annotation): those are not our writes.
        if (c.ours) counts[c.type as 'created'] += 1;
        out.set(key, counts);
      }
      return out;
    }

    /** Waits until the history holds every write the audit log has so far; returns those writes. */
    async function caughtUp() {
      const expected = await auditedWrites();
      const same = async () =>
        JSON.stringify([...(await recorded())].sort()) === JSON.stringify([...expected].sort());
      await waitFor('the history to hold every audited write', same, 60_000).catch(
        async (error: unknown) => {
          const got = await recorded();
          const wrong = [...expected].filter(
            ([k, v]) => JSON.stringify(got.get(k)) !== JSON.stringify(v),
          );
          const first = wrong[0]?.[0];
          const detail = (await stored()).filter((c) => `${c.resource}/${c.name}` === first);
          throw new Error(
            `${String(error)}\n${JSON.stringify(wrong.slice(0, 10).map(([k, v]) => [k, v, got.get(k)]))}\n${JSON.stringify(detail)}\n${cdcOutput}`,
          );
        },
      );
      return expected;
    }

    beforeAll(async () => {
      port = await freePort();
      const url = process.env.KUBEOPS_TEST_DATABASE_URL!;
      const key = randomBytes(32).toString('base64');
      childEnv = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KUBEOPS_DATA_DIR: dataDir,
        KUBEOPS_DATABASE_URL: url,
        KUBEOPS_DATABASE_SCHEMA: schema,
        KUBEOPS_ENCRYPTION_KEY: key,
        KUBEOPS_HTTP_HOST: '127.0.0.1',
        ...TEST_NETWORK_ENV,
        KUBEOPS_LOG_LEVEL: 'info',
        KUBEOPS_CDC_FLUSH_MILLISECONDS: '50',
        KUBEOPS_CDC_CLUSTERS: JSON.stringify({
          [CLUSTER]: {
            include: ['configmaps', 'secrets', 'deployments.apps', `widgets.${GROUP}`],
            exclude: [],
          },
        }),
      };
      const config = loadConfig({ env: { ...childEnv, KUBEOPS_LOG_LEVEL: 'silent' } });
      ctx = await createContext(config, createLogger('silent'), { bootstrap: false });
      const kube = kubeModuleOf(ctx);
      await kube.registry.register(
        { source: 'kubeconfig', kubeconfig: flatKubeconfig(), name: CLUSTER },
        null,
      );
      admin = (await kube.registry.connect(CLUSTER)).client;
      await admin.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { metadata: { name: NS, labels: { 'kubeops.io/test': 'true' } } },
      });
    }, 120_000);

    afterAll(async () => {
      if (cdc) await killCdc();
      await admin
        ?.request({ method: 'DELETE', path: `/api/v1/namespaces/${NS}`, body: {} })
        .catch(() => undefined);
      await admin
        ?.request({
          method: 'DELETE',
          path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`,
          body: {},
        })
        .catch(() => undefined);
      await ctx?.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await ctx?.lifecycle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('matches the audit log write for write', async () => {
      await startCdc();
      // The CRD arrives after the capture started: it must be picked up without a restart.
      await admin.request({
        method: 'POST',
        path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `widgets.${GROUP}` },
          spec: {
            group: GROUP,
            scope: 'Namespaced',
            names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            ],
          },
        },
      });
      await waitFor(
        'the CRD to be served and captured',
        async () => {
          const { rows } = await ctx.db.query(
            `SELECT 1 FROM cdc_resume WHERE cluster = $1 AND resource = 'widgets' AND api_group = $2`,
            [CLUSTER, GROUP],
          );
          return rows.length > 0;
        },
        60_000,
      );

      // 1. While the capture runs: creates, two updates each, some deletes.
      const started = Date.now();
      await burst(KINDS.flatMap((k) => Array.from({ length: 15 }, () => create(k))));
      await burst([...distinct(15), ...distinct(15)]);
      await burst(KINDS.flatMap((k) => Array.from({ length: 3 }, () => remove(k))));

      const phase1End = Date.now();

      // 2. kill -9 in the middle of a burst; the writes (deletes too) go on while nothing watches.
      const during = burst([
        ...distinct(12),
        ...KINDS.flatMap((k) => Array.from({ length: 4 }, () => create(k))),
        ...distinct(12),
      ]);
      await new Promise((r) => setTimeout(r, 400));
      await killCdc();
      await during;
      await burst([
        ...KINDS.flatMap((k) => Array.from({ length: 3 }, () => remove(k))),
        ...distinct(8),
      ]);
      await startCdc();
      await burst(distinct(10));

      // 3. Down again, and the resume points made too old for the API server: 410 Gone, relist, compare.

      // A relist sees only the last state of each object: everything before it must be stored first.

      await caughtUp();
      await killCdc();
      await ctx.db.query(`UPDATE cdc_resume SET resource_version = '1' WHERE cluster = $1`, [
        CLUSTER,
      ]);
      // Each object is written at most once here: a relist can only see the last state of each.
      const touched = KINDS.flatMap((k) => {
        const names = live.get(k)!;
        return [remove(k), remove(k), update(k, names[0]!), update(k, names[1]!)];
      });
      await burst([...touched, ...KINDS.flatMap((k) => [create(k), create(k)])]);
      await startCdc();
      await burst(
        KINDS.flatMap((k) =>
          live
            .get(k)!
            .slice(2, 5)
            .map((n) => update(k, n)),
        ),
      );
      const elapsed = (Date.now() - started) / 1000;

      const expected = await caughtUp();
      const total = [...expected.values()].reduce(
        (s, c) => s + c.created + c.updated + c.deleted,
        0,
      );
      expect(total).toBeGreaterThan(350);

      const changes = await stored();
      // Deletes made while the process was down came back from the watch replay, one by one...
      expect(
        changes.filter((c) => c.type === 'deleted' && !c.relist).length,
      ).toBeGreaterThanOrEqual(24);
      // ...and those hidden by the 410 were found by comparing the relist with the stored state.
      const relisted = changes.filter((c) => c.relist && c.type !== 'created');
      expect(relisted.filter((c) => c.type === 'deleted').length).toBeGreaterThanOrEqual(8);
      expect(new Set(relisted.map((c) => c.resource))).toEqual(new Set(KINDS));
      // Who: where no controller writes, each of our updates names our field manager.
      const ours = changes.filter(
        (c) => c.type === 'updated' && c.ours && c.resource !== 'deployments',
      );
      expect(ours.length).toBeGreaterThan(100);
      expect(ours.filter((c) => !c.managers.includes(MANAGER))).toEqual([]);
      // Stored once each.
      const { rows: twice } = await ctx.db.query(
        `SELECT uid, resource_version FROM cdc_changes GROUP BY uid, resource_version HAVING count(*) > 1`,
      );
      expect(twice).toEqual([]);
      // No Secret value anywhere in what is stored.
      const { rows: text } = await ctx.db.query<{ t: string }>(
        `SELECT (SELECT coalesce(string_agg(c::text, ''), '') FROM cdc_changes c WHERE c.resource = 'secrets')
         || (SELECT coalesce(string_agg(o::text, ''), '') FROM cdc_objects o WHERE o.resource = 'secrets') AS t`,
      );
      for (let n = 1; n <= counter; n++) {
        expect(text[0]!.t).not.toContain(secretValue(n));
        expect(text[0]!.t).not.toContain(Buffer.from(secretValue(n)).toString('base64'));
      }
      // Capture lag while nothing was down: the API server answering a create or delete, to the change observed.
      const lags = changes
        .filter((c) => c.type !== 'updated' && !c.relist)
        .map((c) => ({ c, at: auditTimes.get(`${c.resource}/${c.name}/${c.type}`) }))
        .filter(({ at }) => at !== undefined && at < phase1End)
        .map(({ c, at }) => c.observedAt - at!)
        .sort((a, b) => a - b);
      const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))];
      console.log(
        `cdc proof: write → observed lag over ${lags.length} creates/deletes: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
      );
      console.log(
        `cdc proof: ${total} audited writes in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), ` +
          `${changes.length} changes stored, ${relisted.length} seen at relist`,
      );
    }, 600_000);
  },
);
