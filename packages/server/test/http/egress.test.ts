import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressRanges } from '../../src/core/address-ranges.js';
import { EgressGuard, deniedBecause } from '../../src/core/egress-guard.js';
import { createChannel } from '../../src/providers/notify/channels.js';
import type { InspectionNotice } from '../../src/providers/notify/message.js';
import { startTestApp, type TestApp } from '../support/app.js';

const notice: InspectionNotice = {
  cluster: 'prod',
  scope: 'prod',
  runId: '1',
  overallScore: 100,
  scores: {
    reliability: 100,
    configuration: 100,
    security: 100,
    cost: 100,
    anomaly: 100,
    logs: 100,
  },
  counts: { total: 0, new: 0, regressed: 0, resolved: 0 },
  findings: [],
  time: '2026-01-15T12:00:00.000Z',
};

/** A loopback server answering every request with `answer`; counts what it received. */
async function receiver(
  answer: (path: string) => { status: number; headers?: Record<string, string>; body: string },
): Promise<{ url: string; port: number; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      const reply = answer(req.url ?? '');
      res.writeHead(reply.status, reply.headers ?? { 'content-type': 'text/plain' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, hits, server };
}

describe('egress guard', () => {
  const none = new AddressRanges([]);

  it('refuses loopback, link-local, metadata and unspecified addresses, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '169.254.169.254',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '::',
      'fe80::1',
      'fd00:ec2::254',
    ]) {
      expect(deniedBecause(address, none), address).toBeDefined();
    }
    for (const address of ['10.1.2.3', '192.168.1.10', '8.8.8.8', '2001:db8::1']) {
      expect(deniedBecause(address, none), address).toBeUndefined();
    }
    expect(deniedBecause('127.0.0.1', new AddressRanges(['127.0.0.0/8']))).toBeUndefined();
    expect(deniedBecause('::ffff:127.0.0.1', new AddressRanges(['127.0.0.1']))).toBeUndefined();
  });

  it('checks the addresses a name resolves to when connecting, not the name', async () => {
    const guard = new EgressGuard({ allowedTargets: [] });
    const error = await new Promise<Error | null>((resolve) =>
      guard.lookup('localhost', {}, (e) => resolve(e)),
    );
    expect(error?.message).toMatch(/loopback.*network\.allowedTargets/);
  });
});

describe('notification webhooks', () => {
  const servers: Server[] = [];
  const guard = new EgressGuard({ allowedTargets: [] });
  const loopbackAllowed = new EgressGuard({ allowedTargets: ['127.0.0.1'] });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });

  it('never reach loopback or metadata addresses unless allow-listed, by name or IP', async () => {
    const target = await receiver(() => ({ status: 200, body: 'ok' }));
    servers.push(target.server);
    for (const url of [
      `${target.url}/hook`,
      `http://localhost:${target.port}/hook`,
      `http://[::ffff:127.0.0.1]:${target.port}/hook`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    ]) {
      await expect(
        createChannel({ type: 'webhook', url }, guard).send(notice),
        url,
      ).rejects.toThrow(/webhook: the endpoint cannot be reached: connections to .* are refused/);
    }
    expect(target.hits).toEqual([]);
    await createChannel({ type: 'webhook', url: `${target.url}/hook` }, loopbackAllowed).send(
      notice,
    );
    expect(target.hits).toEqual(['/hook']);
  });

  it('send no mail to an SMTP server on a refused address', async () => {
    for (const host of ['localhost', '127.0.0.1', '169.254.169.254']) {
      await expect(
        createChannel(
          { type: 'email', host, port: 2525, from: 'kubeops@example.com', to: ['ops@example.com'] },
          guard,
        ).send(notice),
        host,
      ).rejects.toThrow(
        /email: the SMTP server .* cannot be reached: connections to .* are refused/,
      );
    }
  });

  it('refuse redirects instead of following them, naming where they point', async () => {
    const elsewhere = await receiver(() => ({ status: 200, body: 'ok' }));
    const redirecting = await receiver(() => ({
      status: 302,
      headers: { location: `${elsewhere.url}/latest/meta-data?token=SECRET` },
      body: '',
    }));
    servers.push(elsewhere.server, redirecting.server);
    const error = await createChannel(
      { type: 'webhook', url: `${redirecting.url}/hook` },
      loopbackAllowed,
    )
      .send(notice)
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /answered 302, a redirect to http:\/\/127\.0\.0\.1:\d+; redirects are not followed/,
    );
    expect((error as Error).message).not.toContain('SECRET');
    expect(elsewhere.hits).toEqual([]);
  });

  describe('through the API', () => {
    let t: TestApp;
    let admin: Record<string, string>;
    beforeAll(async () => {
      t = await startTestApp('pglite');
      admin = { authorization: `Bearer ${(await t.login()).accessToken}` };
    });
    afterAll(async () => {
      await t?.close();
    });

    it('never echo what the endpoint answered, in the test result or the audit log', async () => {
      const leaky = await receiver(() => ({
        status: 500,
        body: 'INTERNAL-ONLY: aws_secret_access_key=wJalrXUtnFEMI',
      }));
      servers.push(leaky.server);
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/inspections/channels',
        headers: admin,
        payload: { name: 'leaky', config: { type: 'webhook', url: `${leaky.url}/hook` } },
      });
      expect(created.statusCode).toBe(201);
      const tested = await t.app.inject({
        method: 'POST',
        url: `/api/v1/inspections/channels/${created.json().id}/test`,
        headers: admin,
      });
      expect(tested.json()).toMatchObject({
        delivered: false,
        error: 'webhook: the endpoint answered 500',
      });
      const { rows } = await t.ctx.db.query<{ details: unknown }>(
        'SELECT details FROM audit_log WHERE request_id = $1',
        [tested.headers['x-request-id']],
      );
      expect(JSON.stringify(rows)).toContain('answered 500');
      expect(JSON.stringify(rows)).not.toContain('INTERNAL-ONLY');
    });
  });
});

describe('cluster registration', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  const servers: Server[] = [];
  const register = (server: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: admin,
      payload: { source: 'token', name: 'probe', server, token: 'not-a-real-token' },
    });

  beforeAll(async () => {
    // The default: nothing allow-listed, as in production.
    t = await startTestApp('pglite', { network: { allowedTargets: [] } });
    admin = { authorization: `Bearer ${(await t.login()).accessToken}` };
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });

  it('refuses loopback, metadata and link-local servers, naming body.server, before connecting', async () => {
    const fake = await receiver(() => ({ status: 200, body: '{"gitVersion":"v1.33.0"}' }));
    servers.push(fake.server);
    for (const server of [
      fake.url,
      `http://localhost:${fake.port}`,
      'https://169.254.169.254',
      'https://[::ffff:169.254.169.254]:6443',
      'https://[::1]:6443',
    ]) {
      const refused = await register(server);
      expect(refused.statusCode, server).toBe(422);
      expect(refused.json(), server).toMatchObject({
        code: 'cluster_connection_failed',
        details: { reason: 'egress_denied', field: 'body.server' },
      });
    }
    expect(fake.hits).toEqual([]);
  });
});

describe('cluster registration against a server that is not Kubernetes', () => {
  let t: TestApp;
  const servers: Server[] = [];
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });

  it('neither follows its redirects nor repeats what it answered, in the error or the audit log', async () => {
    const internal = await receiver(() => ({ status: 403, body: 'INTERNAL-ONLY forbidden page' }));
    const redirecting = await receiver(() => ({
      status: 307,
      headers: { location: `${internal.url}/version` },
      body: '',
    }));
    servers.push(internal.server, redirecting.server);
    const token = (await t.login()).accessToken;
    for (const server of [internal.url, redirecting.url]) {
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/v1/clusters',
        headers: { authorization: `Bearer ${token}` },
        payload: { source: 'token', name: 'not-kube', server, token: 'x' },
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).not.toContain('INTERNAL-ONLY');
      const { rows } = await t.ctx.db.query('SELECT * FROM audit_log WHERE request_id = $1', [
        refused.headers['x-request-id'],
      ]);
      expect(JSON.stringify(rows)).not.toContain('INTERNAL-ONLY');
    }
    expect(internal.hits).toEqual(['/version']);
  });
});
