/**
 * The KubeOps side of the benchmark, in a process of its own so its memory
 * and event loop are measured alone: an embedded database, one admin user,
 * the bench cluster registered from its kubeconfig, the HTTP API listening on
 * a loopback port. Talks to the driver over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createContext } from '../../packages/server/src/context.js';
import { loadConfig } from '../../packages/server/src/core/config.js';
import { createLogger } from '../../packages/server/src/core/logging.js';
import { buildApp } from '../../packages/server/src/http/app.js';
import { kubeModuleOf } from '../../packages/server/src/kube/kube-module.js';
import { TEST_NETWORK_ENV } from '../../test/support/network.js';

const kubeconfig = process.env.BENCH_KUBECONFIG_TEXT;
if (!kubeconfig || !process.send) throw new Error('started by bench/kube/run.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-bench-'));
const databaseUrl = process.env.BENCH_DATABASE_URL;
const schema = `bench_${randomBytes(4).toString('hex')}`;
const config = loadConfig({
  env: {
    KUBEOPS_DATA_DIR: dataDir,
    KUBEOPS_LOG_LEVEL: 'silent',
    KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    KUBEOPS_RATE_LIMIT_MAX: '1000000',
    // The benchmark's cluster listens on loopback, which KubeOps only reaches when allow-listed.
    ...TEST_NETWORK_ENV,
    // PostgreSQL as in production when the driver found one; the embedded database otherwise.
    ...(databaseUrl ? { KUBEOPS_DATABASE_URL: databaseUrl, KUBEOPS_DATABASE_SCHEMA: schema } : {}),
  },
});
const ctx = await createContext(config, createLogger('silent'), { bootstrap: false });
const user = await ctx.users.create({
  username: 'bench',
  password: randomBytes(16).toString('hex'),
});
await ctx.roles.bind({ role: 'admin', subjectKind: 'user', subject: user.id });
const session = await ctx.auth.issue(user, 'password');
const kube = kubeModuleOf(ctx);
await kube.registry.register({ source: 'kubeconfig', kubeconfig, name: 'bench' }, null);
const app = await buildApp(ctx);
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const gc = (globalThis as { gc?: () => void }).gc;
function memory() {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory') process.send!({ type: 'memory', ...memory() });
  if (message.type === 'stop') {
    void app.close().then(async () => {
      if (databaseUrl)
        await ctx.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await ctx.lifecycle.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.send({
  type: 'ready',
  url,
  token: session.accessToken,
  database: ctx.db.kind,
  ...memory(),
});
