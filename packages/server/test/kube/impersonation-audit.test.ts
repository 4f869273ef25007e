import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { KubeClient } from '../../src/kube/kube-client.js';
import {
  auditEventsSince,
  auditMark,
  createPlatformIdentity,
  isPlatformHousekeeping,
  type PlatformIdentity,
} from './audit-log.js';
import { adminCore, kubeTestEnv, serverAndCa, signIn, type KubeTestEnv } from './support.js';

/** Values that try to leave their path segment: encoded slashes and dots, a query, a fragment. */
const HOSTILE = [
  '..%2F..%2F..%2F..%2Fapi%2Fv1%2Fsecrets%3Flimit%3D500%23',
  '%2E%2E',
  '%2E%2E%2F%2E%2E%2Fapi%2Fv1%2Fsecrets',
  'x%3Fwatch%3Dtrue',
  'x%23fragment',
  '%2E',
];

/** A well-formed value for each route parameter, so only one parameter is hostile at a time. */
function sampleValue(param: string, namespace: string): string {
  const samples: Record<string, string> = {
    cluster: 'local',
    group: 'core',
    version: 'v1',
    resource: 'secrets',
    name: 'leak',
    namespace,
  };
  return samples[param] ?? 'x';
}

describe('every route parameter stays inside its path segment', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let namespace: string;
  let platform: PlatformIdentity;
  let auth: { authorization: string };

  beforeAll(async () => {
    namespace = await createTestNamespace('c1');
    platform = await createPlatformIdentity(namespace);
    env = await kubeTestEnv('local', platform.kubeconfig);
    app = await buildApp(env.ctx);
    await adminCore().createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'leak' }, stringData: { password: 'hunter2-c1' } },
    });
    // A platform administrator whom the cluster grants nothing: every request made as them is refused.
    auth = await signIn(env.ctx, 'intruder', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await env?.close();
    await platform?.remove();
    if (namespace) await deleteNamespace(namespace);
  });

  it('the cluster client refuses any path that changes when normalised', async () => {
    const { server, certificateAuthority } = serverAndCa();
    const client = new KubeClient({ name: 'guard', server, certificateAuthority });
    try {
      for (const path of [
        '/api/v1/namespaces/x/pods/.',
        '/api/v1/namespaces/x/pods/..',
        '/api/v1/namespaces/x/pods/%2E%2E',
        '/openapi/v3/apis/..%2F..%2Fapi/v1',
        '/api/v1//secrets',
        '/api/v1/secrets?limit=1',
        '/api/v1/secrets#x',
        '/api/v1/%zz',
      ]) {
        await expect(client.request({ path }), path).rejects.toMatchObject({
          code: 'invalid_kube_path',
          status: 400,
        });
      }
    } finally {
      client.close();
    }
  });

  it('serves OpenAPI schemas only of listed group/versions, read as the user', async () => {
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/v1/clusters/local/openapi/nosuch.example.com/v1',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'unknown_group_version' });
  });

  it('sends %2F, %2E%2E, ? and # in every path parameter and the API server sees only impersonated requests', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).filter(
      ([path]) => path.startsWith('/api/v1/') && path.includes('{'),
    );
    expect(routes.length).toBeGreaterThan(20);
    const mark = auditMark();
    const answers: Array<{ method: string; url: string; status: number; body: string }> = [];
    for (const [path, item] of routes) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const methods = Object.keys(item).filter((m) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(m),
      );
      for (const method of methods) {
        for (const hostile of params) {
          for (const value of HOSTILE) {
            const url = path.replace(/\{(\w+)\}/g, (_, p: string) =>
              p === hostile ? value : sampleValue(p, namespace),
            );
            const res = await app.inject({
              method: method.toUpperCase() as 'GET',
              url,
              headers: auth,
              ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
            });
            answers.push({ method, url, status: res.statusCode, body: res.body });
          }
        }
      }
    }
    const events = (await auditEventsSince(mark)).filter(
      (e) => e.user.username === platform.username,
    );
    const unimpersonated = events.filter((e) => !e.impersonatedUser);
    const unexplained = unimpersonated.filter((e) => !isPlatformHousekeeping(e));
    expect(
      unexplained.map((e) => `${e.verb} ${e.requestURI} (${e.userAgent ?? 'no user agent'})`),
    ).toEqual([]);
    const secretsAsPlatform = unimpersonated.filter((e) => e.objectRef?.resource === 'secrets');
    expect(secretsAsPlatform.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(answers.length).toBeGreaterThan(200);
    for (const a of answers) {
      expect(a.body, `${a.method} ${a.url}`).not.toContain('hunter2-c1');
      expect(a.body, `${a.method} ${a.url}`).not.toContain(
        Buffer.from('hunter2-c1').toString('base64'),
      );
    }
    // The cluster routes answer every hostile value with a 4xx, never a 5xx.
    const failures = answers.filter((a) => a.url.startsWith('/api/v1/clusters') && a.status >= 500);
    expect(failures.map((a) => `${a.method} ${a.url} ${a.status} ${a.body}`)).toEqual([]);

    // The calls did reach the cluster, as the intruder.
    expect(events.some((e) => e.impersonatedUser?.username === 'kubeops:intruder')).toBe(true);
  });
});
