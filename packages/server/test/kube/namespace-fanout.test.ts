import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace } from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { auditEventsSince, auditMark, type AuditEvent } from './audit-log.js';
import { bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

const NAMESPACES = 30;

const reviewsBy = (events: AuditEvent[], user: string) =>
  events.filter(
    (e) =>
      e.impersonatedUser?.username === user &&
      (e.objectRef?.resource === 'selfsubjectaccessreviews' ||
        e.objectRef?.resource === 'selfsubjectrulesreviews'),
  );

describe('one request costs a bounded number of access reviews', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let namespaces: string[] = [];
  let bound: { authorization: string };
  let wide: { authorization: string };
  const unbinds: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    namespaces = await Promise.all(
      Array.from({ length: NAMESPACES }, () => createTestNamespace('fanout')),
    );
    bound = await signIn(env.ctx, 'fanout-one');
    wide = await signIn(env.ctx, 'fanout-wide');
    unbinds.push(await bindUser('fanout-one', 'view', namespaces[0]));
    unbinds.push(await bindUser('fanout-wide', 'view'));
  });

  afterAll(async () => {
    for (const unbind of unbinds) await unbind();
    await Promise.all(namespaces.map((n) => deleteNamespace(n)));
    await app?.close();
    await env?.close();
  });

  const get = (url: string, auth: { authorization: string }) =>
    app.inject({ method: 'GET', url, headers: auth });

  it('"all namespaces" for a user bound in one reviews only where a binding could grant it', async () => {
    const mark = auditMark();
    const pods = await get('/api/v1/clusters/local/resources/core/v1/pods?limit=10', bound);
    expect(pods.statusCode).toBe(200);
    const usable = await get('/api/v1/clusters/local/namespaces', bound);
    expect(usable.statusCode).toBe(200);
    expect(usable.json().items).toEqual([namespaces[0]]);
    const reviews = reviewsBy(await auditEventsSince(mark), 'kubeops:fanout-one');
    // One cluster-wide review per question, then the one namespace bound; not one per namespace.
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews.length).toBeLessThanOrEqual(4);
  });

  it('a user who may list everywhere costs one review, however many namespaces are named', async () => {
    const mark = auditMark();
    const res = await get(
      `/api/v1/clusters/local/resources/core/v1/configmaps?namespace=${namespaces.join(',')}`,
      wide,
    );
    expect(res.statusCode).toBe(200);
    expect(reviewsBy(await auditEventsSince(mark), 'kubeops:fanout-wide')).toHaveLength(1);
  });

  it('namespaces that do not exist are not reviewed', async () => {
    const mark = auditMark();
    const ghosts = Array.from({ length: 50 }, (_, i) => `ghost-${i}`);
    const res = await get(
      `/api/v1/clusters/local/resources/core/v1/pods?namespace=${[namespaces[0], ...ghosts].join(',')}`,
      bound,
    );
    expect(res.statusCode).toBe(200);
    expect(
      reviewsBy(await auditEventsSince(mark), 'kubeops:fanout-one').length,
    ).toBeLessThanOrEqual(2);
  });

  it('more namespaces than the cap is a 400 naming query.namespace', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `n-${i}`).join(',');
    const res = await get(`/api/v1/clusters/local/resources/core/v1/pods?namespace=${many}`, bound);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ details: { field: 'query.namespace' } });
  });
});
