import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespacedUser,
  createTestNamespace,
  deleteNamespace,
} from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { kubeTestEnv, serverAndCa, signIn, type KubeTestEnv } from '../kube/support.js';

describe('weak cluster connections are accepted with a warning', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let admin: { authorization: string };
  let namespace: string;
  let token: string;
  let plain: Server;
  let plainUrl: string;

  beforeAll(async () => {
    env = await kubeTestEnv('local');
    app = await buildApp(env.ctx);
    admin = await signIn(env.ctx, 'warn-admin', 'admin');
    namespace = await createTestNamespace('warnings');
    token = (await createNamespacedUser('registrar', namespace, 'view')).token;
    // The real API server behind a plain-HTTP front, as a cluster registered with http:// would be reached.
    const { server, certificateAuthority } = serverAndCa();
    plain = createServer((req, res) => {
      const upstream = httpsRequest(
        new URL(req.url ?? '/', server),
        {
          method: req.method,
          headers: { ...req.headers, host: new URL(server).host },
          ca: certificateAuthority,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    plain?.close();
    if (namespace) await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const register = (payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/clusters', headers: admin, payload });

  it('returns, lists and audits a warning for insecure-skip-tls-verify and for http://', async () => {
    const skip = await register({
      source: 'token',
      name: 'no-tls-verify',
      server: serverAndCa().server,
      token,
      insecureSkipTlsVerify: true,
    });
    expect(skip.statusCode, skip.body).toBe(201);
    expect(skip.json().items[0].warnings).toEqual([
      { code: 'tls_verify_disabled', message: expect.stringContaining('TLS verification is off') },
    ]);
    const http = await register({ source: 'token', name: 'plain-http', server: plainUrl, token });
    expect(http.statusCode, http.body).toBe(201);
    expect(http.json().items[0].warnings.map((w: { code: string }) => w.code)).toEqual([
      'plain_http',
    ]);

    const listed = await app.inject({ method: 'GET', url: '/api/v1/clusters', headers: admin });
    const byName = new Map(
      listed
        .json()
        .items.map((c: { name: string; warnings: Array<{ code: string }> }) => [
          c.name,
          c.warnings.map((w) => w.code),
        ]),
    );
    expect(byName.get('no-tls-verify')).toEqual(['tls_verify_disabled']);
    expect(byName.get('plain-http')).toEqual(['plain_http']);
    expect(byName.get('local')).toEqual([]);

    const audit = await env.ctx.audit.query({ action: 'clusters.register', limit: 10 });
    const details = audit.items.map((e) => e.details as { warnings?: string[] });
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ warnings: ['no-tls-verify: tls_verify_disabled'] }),
        expect.objectContaining({ warnings: ['plain-http: plain_http'] }),
      ]),
    );
  });
});
