import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePermission } from '../src/auth/authorizer.js';
import { totp } from '../src/auth/totp.js';
import type { RouteModule } from '../src/http/routes.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/app.js';

/** A stand-in for a cluster module's route, guarded per cluster and namespace. */
const clusterRoute: RouteModule = (app) => {
  app.get(
    '/api/v1/test-clusters/:cluster/namespaces/:namespace',
    {
      schema: { params: Type.Object({ cluster: Type.String(), namespace: Type.String() }) },
      preHandler: requirePermission(
        'clusters:read',
        (req) => req.params as { cluster: string; namespace: string },
      ),
    },
    async () => ({ ok: true }),
  );
};

describe('authentication and authorization', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp(
      'postgres',
      {
        auth: {
          adminPassword: ADMIN_PASSWORD,
          lockout: { maxFailuresPerAccount: 3, maxFailuresPerIp: 8 },
        },
      },
      [clusterRoute],
    );
    admin = (await t.login()).accessToken;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function createUser(username: string, extra: Record<string, unknown> = {}) {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username, password: 'a-long-enough-password', ...extra },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; username: string };
  }

  it('requires a token on API routes and answers with the uniform error body', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/me' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code: 'unauthenticated', message: expect.any(String) });
    const bad = await t.request({ method: 'GET', url: '/api/v1/me', token: 'not-a-jwt' });
    expect(bad.statusCode).toBe(401);
  });

  it('signs in, sets a strict httpOnly refresh cookie and shows the impersonation mapping', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'kubeops_refresh')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.path).toBe('/api/v1/auth');
    const me = await t.request({
      method: 'GET',
      url: '/api/v1/me',
      token: response.json().accessToken,
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: 'admin',
      permissions: ['*'],
      impersonation: {
        user: 'kubeops:admin',
        groups: ['kubeops:authenticated', 'kubeops:role:admin'],
      },
    });
  });

  it('rejects a wrong password without saying whether the user exists', async () => {
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'admin', password: 'nope' },
    });
    const missing = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'ghost', password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(missing.json()).toEqual(wrong.json());
  });

  it('rotates refresh tokens and revokes the whole family when one is replayed', async () => {
    const first = await t.login();
    const refreshed = await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { kubeops_refresh: first.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.cookies.find((c) => c.name === 'kubeops_refresh')!.value;
    expect(second).not.toBe(first.refreshToken);
    const newAccess = refreshed.json().accessToken as string;
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/me', token: newAccess })).statusCode,
    ).toBe(200);

    // An attacker replays the stolen first token.
    const replay = await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { kubeops_refresh: first.refreshToken },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('refresh_token_reused');
    // The legitimate holder's newer token and access token are dead too.
    const legit = await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { kubeops_refresh: second },
    });
    expect(legit.statusCode).toBe(401);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/me', token: newAccess })).statusCode,
    ).toBe(401);
    // Other sessions of the same user are untouched.
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token: admin })).statusCode).toBe(
      200,
    );
  });

  it('logout revokes the session at once', async () => {
    const session = await t.login();
    const out = await t.request({
      method: 'POST',
      url: '/api/v1/auth/logout',
      token: session.accessToken,
    });
    expect(out.statusCode).toBe(204);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/me', token: session.accessToken }))
        .statusCode,
    ).toBe(401);
    const refresh = await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { kubeops_refresh: session.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
  });

  it('locks an account after repeated failures, even for the right password, with Retry-After', async () => {
    await createUser('brute');
    for (let i = 0; i < 3; i++) {
      const r = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'brute', password: `guess-${i}` },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'brute', password: 'a-long-enough-password' },
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('login_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('locks a source address that sprays many accounts', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.9' };
    // trustProxy is off, so all injected requests share one address; use fresh names per attempt.
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) {
      const r = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: ip,
        body: { username: `spray-${i}`, password: 'x' },
      });
      status = r.statusCode;
    }
    expect(status).toBe(429);
    // Once the address is locked, even the admin's right password is refused from it.
    const blocked = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(blocked.statusCode).toBe(429);
    await t.ctx.db.query("DELETE FROM login_failures WHERE key LIKE 'ip:%'");
  });

  it('names the bad field in a 400 and never leaks internals', async () => {
    const missing = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username: 'x' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'body.password' },
    });
    const extra = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username: 'x', password: 'a-long-enough-password', isAdmin: true },
    });
    expect(extra.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'body.isAdmin' },
    });
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: '{"username":',
    });
    t.mutations.push(String(broken.headers['x-request-id']));
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('invalid_json');
    expect(broken.body).not.toMatch(/at .*\.js|node_modules/);
  });

  it('scopes personal API tokens and revokes them', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/me/tokens',
      token: admin,
      body: { name: 'ci', scopes: ['audit:read'], expiresInDays: 30 },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json() as { token: string; id: string };
    expect(token).toMatch(/^kop_/);
    const { rows } = await t.ctx.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM api_tokens WHERE id = $1',
      [id],
    );
    expect(rows[0]?.token_hash).not.toContain(token.slice(4));
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/audit?limit=1', token })).statusCode,
    ).toBe(200);
    const outOfScope = await t.request({ method: 'GET', url: '/api/v1/users', token });
    expect(outOfScope.statusCode).toBe(403);
    expect(outOfScope.json()).toMatchObject({
      code: 'forbidden',
      details: { permission: 'users:read' },
    });
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/me/tokens',
      token: admin,
      body: { name: 'x', scopes: ['everything'], expiresInDays: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toMatch(/^body\.scopes/);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, token: admin }))
        .statusCode,
    ).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/audit?limit=1', token })).statusCode,
    ).toBe(401);
  });

  it('enrols TOTP, then demands it at sign-in and refuses a replayed code', async () => {
    await createUser('mfa-user');
    const { accessToken } = await t.login('mfa-user', 'a-long-enough-password');
    const begin = await t.request({
      method: 'POST',
      url: '/api/v1/me/mfa/totp',
      token: accessToken,
    });
    expect(begin.statusCode).toBe(200);
    const { secret, otpauthUrl } = begin.json() as { secret: string; otpauthUrl: string };
    expect(otpauthUrl).toContain('otpauth://totp/');
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v1/me/mfa/totp/verify',
      token: accessToken,
      body: { code: '000000' === totp(secret) ? '111111' : '000000' },
    });
    expect(wrong.statusCode).toBe(400);
    const verify = await t.request({
      method: 'POST',
      url: '/api/v1/me/mfa/totp/verify',
      token: accessToken,
      body: { code: totp(secret) },
    });
    expect(verify.statusCode).toBe(200);
    const codes = verify.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);

    const step1 = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'mfa-user', password: 'a-long-enough-password' },
    });
    expect(step1.json()).toMatchObject({ mfaRequired: true });
    expect(step1.cookies.find((c) => c.name === 'kubeops_refresh')).toBeUndefined();
    const mfaToken = step1.json().mfaToken as string;
    // The code used at enrolment cannot be used again (same time step).
    const replay = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login/mfa',
      body: { mfaToken, code: totp(secret) },
    });
    expect(replay.statusCode).toBe(401);
    const recovered = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login/mfa',
      body: { mfaToken, recoveryCode: codes[0] },
    });
    expect(recovered.statusCode).toBe(200);
    expect(
      (
        await t.request({ method: 'GET', url: '/api/v1/me', token: recovered.json().accessToken })
      ).json().mfaEnabled,
    ).toBe(true);
    const reused = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login/mfa',
      body: { mfaToken, recoveryCode: codes[0] },
    });
    expect(reused.statusCode).toBe(401);
  });

  it('holds a user to MFA enrolment when an admin requires it', async () => {
    const user = await createUser('must-enrol');
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          token: admin,
          body: { mfaRequired: true },
        })
      ).statusCode,
    ).toBe(200);
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'must-enrol', password: 'a-long-enough-password' },
    });
    expect(login.json().mfaEnrolmentRequired).toBe(true);
    const token = login.json().accessToken as string;
    const blocked = await t.request({ method: 'GET', url: '/api/v1/me/tokens', token });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('mfa_enrolment_required');
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/me/mfa/totp', token })).statusCode,
    ).toBe(200);
  });

  it('limits a namespace-bound viewer to its namespace, and maps it into impersonation groups', async () => {
    const viewer = await createUser('viewer-a', { groups: ['team-a'] });
    const bind = await t.request({
      method: 'POST',
      url: '/api/v1/role-bindings',
      token: admin,
      body: {
        role: 'viewer',
        subjectKind: 'user',
        subject: viewer.id,
        cluster: 'c1',
        namespace: 'team-a',
      },
    });
    expect(bind.statusCode).toBe(201);
    const { accessToken } = await t.login('viewer-a', 'a-long-enough-password');
    expect(
      (
        await t.request({
          method: 'GET',
          url: '/api/v1/test-clusters/c1/namespaces/team-a',
          token: accessToken,
        })
      ).statusCode,
    ).toBe(200);
    const other = await t.request({
      method: 'GET',
      url: '/api/v1/test-clusters/c1/namespaces/team-b',
      token: accessToken,
    });
    expect(other.statusCode).toBe(403);
    expect(
      (
        await t.request({
          method: 'GET',
          url: '/api/v1/test-clusters/c2/namespaces/team-a',
          token: accessToken,
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/users', token: accessToken })).statusCode,
    ).toBe(403);
    const mapping = await t.request({
      method: 'GET',
      url: '/api/v1/me/impersonation?cluster=c1',
      token: accessToken,
    });
    expect(mapping.json()).toEqual({
      cluster: 'c1',
      user: 'kubeops:viewer-a',
      groups: ['kubeops:authenticated', 'kubeops:group:team-a', 'kubeops:role:viewer:team-a'],
    });
    const elsewhere = await t.request({
      method: 'GET',
      url: '/api/v1/me/impersonation?cluster=c2',
      token: accessToken,
    });
    expect(elsewhere.json().groups).toEqual(['kubeops:authenticated', 'kubeops:group:team-a']);
  });

  it('lets roles be edited and bound to groups, but protects admin', async () => {
    const role = await t.request({
      method: 'POST',
      url: '/api/v1/roles',
      token: admin,
      body: { name: 'auditor', permissions: ['audit:read'] },
    });
    expect(role.statusCode).toBe(201);
    await createUser('aud', { groups: ['compliance'] });
    await t.request({
      method: 'POST',
      url: '/api/v1/role-bindings',
      token: admin,
      body: { role: 'auditor', subjectKind: 'group', subject: 'compliance' },
    });
    const { accessToken } = await t.login('aud', 'a-long-enough-password');
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/audit?limit=1', token: accessToken }))
        .statusCode,
    ).toBe(200);
    await t.request({
      method: 'PUT',
      url: '/api/v1/roles/auditor',
      token: admin,
      body: { permissions: ['roles:read'] },
    });
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/audit?limit=1', token: accessToken }))
        .statusCode,
    ).toBe(403);
    const protectedAdmin = await t.request({
      method: 'PUT',
      url: '/api/v1/roles/admin',
      token: admin,
      body: { permissions: [] },
    });
    expect(protectedAdmin.statusCode).toBe(409);
  });

  it('audits every mutating request of this run before answering, and offers no way to change the log', async () => {
    const { items } = (
      await t.request({ method: 'GET', url: '/api/v1/audit?limit=500', token: admin })
    ).json() as {
      items: Array<{ requestId: string; action: string; result: string; actor: string | null }>;
    };
    const logged = new Set(items.map((e) => e.requestId));
    expect(t.mutations.filter((id) => !logged.has(id))).toEqual([]);
    expect(
      items.some((e) => e.action === 'auth.login' && e.result === 'denied' && e.actor === 'ghost'),
    ).toBe(true);
    expect(items.some((e) => e.action === 'auth.refresh' && e.result === 'denied')).toBe(true);
    expect(items.some((e) => e.action === 'roles.update' && e.result === 'success')).toBe(true);
    for (const method of ['DELETE', 'PUT', 'PATCH', 'POST'] as const) {
      const r = await t.request({
        method,
        url: `/api/v1/audit/${items[0]!.requestId}`,
        token: admin,
        body: {},
      });
      expect(r.statusCode).toBe(404);
    }
    // No stored text may hold NUL: refused with the field named, never a 500.
    const nul = await t.request({
      method: 'PUT',
      url: '/api/v1/roles/viewer',
      token: admin,
      body: { description: 'before\u0000after' },
    });
    expect(nul.statusCode).toBe(400);
    expect(nul.json()).toMatchObject({
      code: 'invalid_request',
      details: { field: 'body.description' },
    });
    const nulQuery = await t.request({
      method: 'GET',
      url: '/api/v1/audit?actor=a%00b',
      token: admin,
    });
    expect(nulQuery.statusCode).toBe(400);
    // An RFC 3339 offset PostgreSQL refuses is still the same instant: a filter, not a 500.
    const odd = await t.request({
      method: 'GET',
      url: `/api/v1/audit?since=${encodeURIComponent('0412-03-23T12:20:25.6-22:09')}`,
      token: admin,
    });
    expect(odd.statusCode).toBe(200);
    const spec = (await t.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, methods] of Object.entries(spec.paths)) {
      if (path.startsWith('/api/v1/audit')) expect(Object.keys(methods)).toEqual(['get']);
    }
  });

  it('exports the audit log as CSV and JSON', async () => {
    const csv = await t.request({
      method: 'GET',
      url: '/api/v1/audit/export?format=csv&action=auth.*',
      token: admin,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'id,time,actor,actorId,sourceIp,userAgent,action,cluster,namespace,kind,name,result,statusCode,requestId,details',
    );
    expect(lines.length).toBeGreaterThan(5);
    const json = await t.request({
      method: 'GET',
      url: '/api/v1/audit/export?format=json&action=auth.login',
      token: admin,
    });
    const entries = JSON.parse(json.body) as Array<{ action: string }>;
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.every((e) => e.action === 'auth.login')).toBe(true);
  });
});
