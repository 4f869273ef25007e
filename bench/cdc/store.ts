/**
 * Change history store: how fast captured changes are written (batched,
 * idempotent, with object state and resume points), how many bytes each
 * takes, and query latency over what was written. Synthetic changes of
 * ConfigMap-sized objects, so it measures the store alone, not a cluster.
 *   npx tsx bench/cdc/store.ts [--changes N] [--objects N]
 * Uses KUBEOPS_BENCH_DATABASE_URL (else the test services' PostgreSQL) in a schema of its own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from '../../packages/server/src/context.js';
import { loadConfig } from '../../packages/server/src/core/config.js';
import { createLogger } from '../../packages/server/src/core/logging.js';
import { ChangeRecorder } from '../../packages/server/src/cdc/change-recorder.js';
import { ChangeWriter } from '../../packages/server/src/cdc/change-writer.js';
import { HistoryQueries } from '../../packages/server/src/cdc/history-queries.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '100000' },
    objects: { type: 'string', default: '5000' },
  },
});
const CHANGES = Number(values.changes);
const OBJECTS = Number(values.objects);
const repo = resolve(import.meta.dirname, '../..');

function databaseUrl(): string {
  if (process.env.KUBEOPS_BENCH_DATABASE_URL) return process.env.KUBEOPS_BENCH_DATABASE_URL;
  const env = readFileSync(join(repo, 'test/.state/services.env'), 'utf8');
  const url = /^DATABASE_URL=(.+)$/m.exec(env)?.[1];
  if (!url)
    throw new Error('no database: run npm run services:up or set KUBEOPS_BENCH_DATABASE_URL');
  return url;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-bench-cdc-'));
  const schema = `bench_cdc_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    env: {
      KUBEOPS_DATA_DIR: dataDir,
      KUBEOPS_DATABASE_URL: databaseUrl(),
      KUBEOPS_DATABASE_SCHEMA: schema,
      KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      KUBEOPS_LOG_LEVEL: 'silent',
    },
  });
  const ctx = await createContext(config, createLogger('silent'), { bootstrap: false });
  try {
    const writer = new ChangeWriter(ctx.db, createLogger('silent'), {
      batchSize: 500,
      flushMilliseconds: 50,
    });
    const key = {
      cluster: 'bench',
      group: '',
      version: 'v1',
      resource: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
    };
    const recorder = new ChangeRecorder(key, new Map(), writer, {
      table: 'changes',
      snapshotEvery: 20,
      secrets: undefined,
    });
    const namespaces = 50;
    const object = (i: number, n: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `cm-${i}`,
        namespace: `ns-${i % namespaces}`,
        uid: `uid-${i}`,
        resourceVersion: String(n),
        labels: { app: `app-${i % 97}`, tier: 'web' },
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            time: new Date().toISOString(),
            fieldsV1: { 'f:data': {} },
          },
        ],
      },
      data: {
        counter: String(n),
        'config.yaml': `replicas: ${n % 7}\nimage: registry.example/app:${n % 13}\n`.repeat(4),
      },
    });
    const started = performance.now();
    for (let n = 1; n <= CHANGES; n++) {
      const i = n % OBJECTS;
      recorder.onEvent(n <= OBJECTS ? 'ADDED' : 'MODIFIED', object(i, n), String(n));
      // Hand over in slices so batches are written while changes keep coming, as from a watch.
      if (n % 2000 === 0) await writer.flush();
    }
    await writer.flush();
    const seconds = (performance.now() - started) / 1000;
    const { rows: size } = await ctx.db.query<{ bytes: string; n: string }>(
      `SELECT (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'cdc_changes')::text AS bytes,
              (SELECT count(*) FROM cdc_changes)::text AS n`,
    );
    const { rows: rowSizes } = await ctx.db.query<{ b: number }>(
      `SELECT pg_column_size(c.*) AS b FROM cdc_changes c ORDER BY random() LIMIT 5000`,
    );
    const sizes = rowSizes.map((r) => Number(r.b)).sort((a, b) => a - b);
    const queries = new HistoryQueries(ctx.db);
    const time = async (fn: () => Promise<unknown>, runs = 200) => {
      const ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      return percentile(
        ms.sort((a, b) => a - b),
        0.95,
      ).toFixed(1);
    };
    const visible = [{ cluster: 'bench', group: '', resource: 'configmaps', namespaces: null }];
    let q = 0;
    const history = await time(() => {
      const i = q++ % OBJECTS;
      return queries.objectHistory(
        {
          cluster: 'bench',
          group: '',
          resource: 'configmaps',
          namespace: `ns-${i % namespaces}`,
          name: `cm-${i}`,
        },
        50,
      );
    });
    const hour = await time(() =>
      queries.changes(
        {
          visible,
          namespaces: [`ns-${q++ % namespaces}`],
          since: new Date(Date.now() - 3_600_000).toISOString(),
        },
        100,
      ),
    );
    console.log(
      `changes written:        ${CHANGES} over ${OBJECTS} objects in ${seconds.toFixed(1)} s = ${(CHANGES / seconds).toFixed(0)} changes/s`,
    );
    console.log(
      `bytes per change:       ${(Number(size[0]!.bytes) / Number(size[0]!.n)).toFixed(0)} on disk with indexes; row median ${percentile(sizes, 0.5)}, p99 ${percentile(sizes, 0.99)}`,
    );
    console.log(
      `query p95:              one object's history ${history} ms, a namespace's last hour (100 rows) ${hour} ms`,
    );
    await writer.close();
  } finally {
    await ctx.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await ctx.lifecycle.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
