import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { freePort } from '../../../../test/support/free-port.js';
import { buildApp } from '../../src/http/app.js';
import { auditEventsSince, auditMark } from './audit-log.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('names and namespaces are checked at the edge', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let namespace: string;
  let auth: { authorization: string };
  let unbind: () => Promise<void>;
  let port: number;

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    // Over real HTTP: an in-process inject resolves dot segments before routing, a socket does not.
    port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    namespace = await createTestNamespace('names');
    auth = await signIn(env.ctx, 'namer', 'developer');
    unbind = await bindUser('namer', 'edit', namespace);
    const core = adminCore();
    for (const name of ['keep-a', 'keep-b'])
      await core.createNamespacedPod({
        namespace,
        body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      });
  });

  afterAll(async () => {
    await unbind?.();
    if (namespace) await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const pods = '/api/v1/clusters/local/resources/core/v1/pods';

  /** Sends the path exactly as written (like `curl --path-as-is`). */
  const raw = (method: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Host, port and path apart: a URL string would be normalised (dot segments resolved) first.
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: auth }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('a delete of pod "." or ".." is a 400 naming the name, never a collection DELETE', async () => {
    const mark = auditMark();
    for (const name of ['.', '..', '%2E', '%2E%2E', '%2e%2e%2F', 'a%2Fb', '100%25']) {
      const res = await raw('DELETE', `${pods}/${name}?namespace=${namespace}`);
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body).details.field, name).toBe('params.name');
    }
    const listed = await adminCore().listNamespacedPod({ namespace });
    expect(listed.items.map((p) => p.metadata?.name).sort()).toEqual(['keep-a', 'keep-b']);
    const deletes = (await auditEventsSince(mark)).filter(
      (e) => e.objectRef?.namespace === namespace && e.verb.startsWith('delete'),
    );
    expect(deletes.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
  });

  it('a name the kind cannot hold is a 400 naming the field, before the cluster is asked', async () => {
    const upper = await app.inject({
      method: 'GET',
      url: `${pods}/Not_A_Pod?namespace=${namespace}`,
      headers: auth,
    });
    expect(upper.statusCode).toBe(400);
    expect(upper.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'params.name' },
    });
    // RBAC names are path segments: `system:…` names stay readable.
    const role = await app.inject({
      method: 'GET',
      url: '/api/v1/clusters/local/resources/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user',
      headers: auth,
    });
    expect(role.statusCode).not.toBe(400);
  });

  it('a bad namespace is a 400 naming query.namespace, in every form it is given', async () => {
    for (const url of [
      `${pods}/keep-a?namespace=..`,
      `${pods}/keep-a?namespace=Bad_NS`,
      `${pods}?namespace=${namespace},..`,
      `${pods}?namespace=a%2Fb`,
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().details.field, url).toBe('query.namespace');
    }
    const log = await raw('GET', '/api/v1/clusters/local/pods/%2E%2E/keep-a/log');
    expect(log.status).toBe(400);
    expect(JSON.parse(log.body).details.field).toBe('params.namespace');
  });

  it('apply refuses a document whose name cannot be a path segment, per document', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/clusters/local/apply',
      headers: auth,
      payload: {
        namespace,
        manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ".."\ndata: {a: "1"}',
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().documents[0]).toMatchObject({
      ok: false,
      error: { status: 400, field: 'metadata.name' },
    });
  });
});
