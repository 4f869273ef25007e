import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open.js';
import { testEnvironment } from '../support/backends.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('kube:write and kube:exec are migrated into roles and API tokens', () => {
  it('keeps changes for roles and tokens that had them, and takes them from clusters:read tokens', async () => {
    const env = testEnvironment('postgres');
    const db = await openDatabase(env.config());
    try {
      await migrate(
        db,
        MIGRATIONS.filter((set) => set.module !== 'kube'),
      );
      const { rows: users } = await db.query<{ id: string }>(
        `INSERT INTO users (username, password_hash) VALUES ('m1-owner', 'x') RETURNING id`,
      );
      const owner = users[0]!.id;
      const token = (name: string, scopes: string[]) =>
        db.query(
          `INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, expires_at)
           VALUES ($1, $2, 'kops_', $2, $3, now() + interval '1 day')`,
          [owner, name, scopes],
        );
      await token('reader', ['clusters:read']);
      await token('manager', ['clusters:read', 'clusters:write']);
      await token('everything', ['*']);
      await db.query(
        `INSERT INTO roles (name, permissions) VALUES ('custom-read', ARRAY['clusters:read']), ('custom-manage', ARRAY['clusters:read', 'clusters:write'])`,
      );
      await migrate(db, MIGRATIONS);
      const { rows: roles } = await db.query<{ name: string; permissions: string[] }>(
        'SELECT name, permissions FROM roles',
      );
      const permissionsOf = (name: string) => roles.find((r) => r.name === name)!.permissions;
      for (const name of ['operator', 'developer', 'custom-manage'])
        expect(permissionsOf(name), name).toEqual(
          expect.arrayContaining(['kube:write', 'kube:exec']),
        );
      for (const name of ['viewer', 'custom-read'])
        expect(permissionsOf(name), name).not.toContain('kube:write');
      expect(permissionsOf('admin')).toEqual(['*']);
      const { rows: tokens } = await db.query<{ name: string; scopes: string[] }>(
        'SELECT name, scopes FROM api_tokens',
      );
      const scopesOf = (name: string) => tokens.find((t) => t.name === name)!.scopes;
      expect(scopesOf('reader')).toEqual(['clusters:read']);
      expect(scopesOf('manager')).toEqual([
        'clusters:read',
        'clusters:write',
        'kube:write',
        'kube:exec',
      ]);
      expect(scopesOf('everything')).toEqual(['*']);
    } finally {
      await db.close();
      await env.cleanup();
    }
  });
});

describe('kube routes need kube:write to change and kube:exec to exec', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let namespace: string;
  let developer: { authorization: string; userId: string };
  let viewer: { authorization: string };
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    namespace = await createTestNamespace('m1');
    developer = await signIn(env.ctx, 'm1-dev', 'developer');
    viewer = await signIn(env.ctx, 'm1-viewer', 'viewer');
    unbinds.push(await bindUser('m1-dev', 'edit', namespace));
    unbinds.push(await bindUser('m1-viewer', 'edit', namespace));
    for (const name of ['a', 'b'])
      await adminCore().createNamespacedPod({
        namespace,
        body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      });
  });

  afterAll(async () => {
    for (const unbind of unbinds) await unbind();
    if (namespace) await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const tokenWith = async (scopes: string[]) => {
    const created = await env.ctx.auth.apiTokens.create(developer.userId, 'm1', scopes, 1);
    return { authorization: `Bearer ${created.token}` };
  };
  const pod = (name: string) =>
    `/api/v1/clusters/local/resources/core/v1/pods/${name}?namespace=${namespace}`;

  it('a clusters:read token reads pods but cannot delete them, apply, or exec', async () => {
    const reader = await tokenWith(['clusters:read']);
    expect((await app.inject({ method: 'GET', url: pod('a'), headers: reader })).statusCode).toBe(
      200,
    );
    const del = await app.inject({ method: 'DELETE', url: pod('a'), headers: reader });
    expect(del.statusCode).toBe(403);
    expect(del.json()).toMatchObject({ code: 'forbidden', details: { permission: 'kube:write' } });
    const apply = await app.inject({
      method: 'POST',
      url: '/api/v1/clusters/local/apply',
      headers: reader,
      payload: { namespace, manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m1}' },
    });
    expect(apply.statusCode).toBe(403);
    const exec = await app.inject({
      method: 'GET',
      url: `/api/v1/clusters/local/pods/${namespace}/a/exec?command=sh`,
      headers: reader,
    });
    expect(exec.statusCode).toBe(403);
    expect(exec.json()).toMatchObject({ details: { permission: 'kube:exec' } });
    await expect(adminCore().readNamespacedPod({ name: 'a', namespace })).resolves.toBeTruthy();
  });

  it('a viewer may not change what the cluster would let them change', async () => {
    const del = await app.inject({ method: 'DELETE', url: pod('a'), headers: viewer });
    expect(del.statusCode).toBe(403);
    expect(del.json()).toMatchObject({ details: { permission: 'kube:write' } });
  });

  it('a developer (kube:write) deletes as before, the cluster deciding', async () => {
    const del = await app.inject({ method: 'DELETE', url: pod('b'), headers: developer });
    expect(del.statusCode).toBe(200);
    const writer = await tokenWith(['clusters:read', 'kube:write']);
    const exec = await app.inject({
      method: 'GET',
      url: `/api/v1/clusters/local/pods/${namespace}/a/exec?command=sh`,
      headers: writer,
    });
    expect(exec.json()).toMatchObject({ details: { permission: 'kube:exec' } });
  });
});
