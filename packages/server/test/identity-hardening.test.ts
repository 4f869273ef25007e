import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../src/auth/totp.js';
import { migrate } from '../src/store/migrate.js';
import { coreMigrations } from '../src/store/migrations/core.js';
import { identityMigrations } from '../src/store/migrations/identity.js';
import { openDatabase } from '../src/store/open.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/app.js';
import { testEnvironment } from './support/backends.js';

const PASSWORD = 'a-long-enough-password';

/** A six-digit code that is none of the codes valid around now. */
function wrongCode(secret: string): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totp(secret, Date.now() + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

describe('identity hardening', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp('postgres', {
      auth: {
        adminPassword: ADMIN_PASSWORD,
        lockout: { maxFailuresPerAccount: 8, maxFailuresPerIp: 1000 },
      },
    });
    admin = (await t.login()).accessToken;
    adminId = (await t.request({ method: 'GET', url: '/api/v1/me', token: admin })).json().id;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    token: string,
    body?: unknown,
  ) {
    return t.request({ method, url, token, ...(body === undefined ? {} : { body }) });
  }

  async function createUser(username: string, role?: string, groups?: string[]) {
    const created = await call('POST', '/api/v1/users', admin, {
      username,
      password: PASSWORD,
      ...(groups ? { groups } : {}),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    if (role) {
      const bound = await call('POST', '/api/v1/role-bindings', admin, {
        role,
        subjectKind: 'user',
        subject: id,
      });
      expect(bound.statusCode, bound.body).toBe(201);
    }
    return id;
  }

  /** Enrols TOTP for a signed-in user; returns the secret and recovery codes. */
  async function enrolMfa(token: string) {
    const { secret } = (await call('POST', '/api/v1/me/mfa/totp', token)).json() as {
      secret: string;
    };
    const verified = await call('POST', '/api/v1/me/mfa/totp/verify', token, {
      code: totp(secret),
    });
    expect(verified.statusCode).toBe(200);
    return { secret, recoveryCodes: verified.json().recoveryCodes as string[] };
  }

  async function passwordStep(username: string): Promise<string> {
    const step = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username, password: PASSWORD },
    });
    expect(step.statusCode, step.body).toBe(200);
    return step.json().mfaToken as string;
  }

  const mfaStep = (mfaToken: string, proof: Record<string, string>) =>
    t.request({ method: 'POST', url: '/api/v1/auth/login/mfa', body: { mfaToken, ...proof } });

  describe('MFA step (H3)', () => {
    it('spends the step token on success: it cannot open a second session', async () => {
      await createUser('mfa-once');
      const { secret, recoveryCodes } = await enrolMfa(
        (await t.login('mfa-once', PASSWORD)).accessToken,
      );
      const mfaToken = await passwordStep('mfa-once');
      expect((await mfaStep(mfaToken, { recoveryCode: recoveryCodes[0]! })).statusCode).toBe(200);
      const again = await mfaStep(mfaToken, { code: totp(secret, Date.now() + 30_000) });
      expect(again.statusCode).toBe(401);
      expect(again.json().code).toBe('mfa_token_spent');
      const other = await mfaStep(mfaToken, { recoveryCode: recoveryCodes[1]! });
      expect(other.json().code).toBe('mfa_token_spent');
    });

    it('burns the step token after five wrong codes, and a right password never clears the MFA failures', async () => {
      await createUser('mfa-guess');
      const { secret, recoveryCodes } = await enrolMfa(
        (await t.login('mfa-guess', PASSWORD)).accessToken,
      );
      const first = await passwordStep('mfa-guess');
      for (let i = 0; i < 5; i++) {
        const wrong = await mfaStep(first, { code: wrongCode(secret) });
        expect(wrong.statusCode).toBe(401);
        expect(wrong.json().code).toBe('mfa_code_invalid');
      }
      // Burnt: even a right code is refused with this token.
      const burnt = await mfaStep(first, { recoveryCode: recoveryCodes[0]! });
      expect(burnt.json().code).toBe('mfa_token_spent');

      // The password is right, but the account's MFA failures (5 of 8) carry on.
      const second = await passwordStep('mfa-guess');
      for (let i = 0; i < 3; i++) {
        expect((await mfaStep(second, { code: wrongCode(secret) })).statusCode).toBe(401);
      }
      const locked = await mfaStep(await passwordStep('mfa-guess'), {
        recoveryCode: recoveryCodes[0]!,
      });
      expect(locked.statusCode).toBe(429);
      expect(locked.json().code).toBe('login_locked');
    });

    it('audits a failed second step under the user the step token was issued to', async () => {
      const userId = await createUser('mfa-audit');
      const { secret } = await enrolMfa((await t.login('mfa-audit', PASSWORD)).accessToken);
      const failed = await mfaStep(await passwordStep('mfa-audit'), { code: wrongCode(secret) });
      expect(failed.statusCode).toBe(401);
      const entries = await t.ctx.audit.query({ action: 'auth.login_mfa', actor: 'mfa-audit' });
      expect(entries.items[0]).toMatchObject({
        actor: 'mfa-audit',
        actorId: userId,
        result: 'denied',
        requestId: String(failed.headers['x-request-id']),
      });
    });
  });

  describe('acting on users and granting rights (M8)', () => {
    let helpdesk: string;
    let viewerId: string;
    let plainId: string;

    beforeAll(async () => {
      expect(
        (
          await call('POST', '/api/v1/roles', admin, {
            name: 'helpdesk',
            permissions: ['users:read', 'users:write', 'roles:read', 'roles:write'],
          })
        ).statusCode,
      ).toBe(201);
      await createUser('helpdesk-1', 'helpdesk');
      plainId = await createUser('plain-user');
      viewerId = await createUser('plain-viewer', 'viewer');
      helpdesk = (await t.login('helpdesk-1', PASSWORD)).accessToken;
      const admins = await call('POST', '/api/v1/role-bindings', admin, {
        role: 'admin',
        subjectKind: 'group',
        subject: 'admins',
      });
      expect(admins.statusCode).toBe(201);
    });

    it('refuses to touch an account holding more rights: password, disable, groups, MFA, delete', async () => {
      const attempts = [
        call('POST', `/api/v1/users/${adminId}/password`, helpdesk, {
          password: 'taken-over-admin',
        }),
        call('PATCH', `/api/v1/users/${adminId}`, helpdesk, { disabled: true }),
        call('PATCH', `/api/v1/users/${adminId}`, helpdesk, { groups: [] }),
        call('POST', `/api/v1/users/${adminId}/mfa/reset`, helpdesk),
        call('DELETE', `/api/v1/users/${adminId}`, helpdesk),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.statusCode, response.body).toBe(403);
        expect(response.json().code).toBe('user_more_privileged');
        expect(response.json().message).toContain('admin');
      }
      // The admin's password still works.
      expect((await t.login()).accessToken).toBeTruthy();
    });

    it('still lets the helpdesk manage a user with no rights it lacks, but not a viewer', async () => {
      const viewer = await call('POST', `/api/v1/users/${viewerId}/password`, helpdesk, {
        password: 'a-fresh-viewer-password',
      });
      expect(viewer.statusCode).toBe(403);
      expect(viewer.json().message).toContain('clusters:read');
      const reset = await call('POST', `/api/v1/users/${plainId}/password`, helpdesk, {
        password: 'a-fresh-viewer-password',
      });
      expect(reset.statusCode, reset.body).toBe(204);
    });

    it('refuses to grant what the caller does not hold: roles, bindings, groups, token scopes', async () => {
      const cases: Array<[Awaited<ReturnType<typeof call>>, string]> = [
        [
          await call('POST', '/api/v1/roles', helpdesk, { name: 'root', permissions: ['*'] }),
          'body.permissions',
        ],
        [
          await call('PUT', '/api/v1/roles/helpdesk', helpdesk, {
            permissions: ['users:write', 'settings:write'],
          }),
          'body.permissions',
        ],
        [
          await call('POST', '/api/v1/role-bindings', helpdesk, {
            role: 'admin',
            subjectKind: 'user',
            subject: plainId,
          }),
          'body.role',
        ],
        [
          await call('POST', '/api/v1/role-bindings', helpdesk, {
            role: 'viewer',
            subjectKind: 'group',
            subject: 'anyone',
          }),
          'body.role',
        ],
        [
          await call('PATCH', `/api/v1/users/${plainId}`, helpdesk, { groups: ['admins'] }),
          'body.groups',
        ],
        [
          await call('POST', '/api/v1/users', helpdesk, {
            username: 'sneaky',
            password: PASSWORD,
            groups: ['admins'],
          }),
          'body.groups',
        ],
        [
          await call('POST', '/api/v1/me/tokens', helpdesk, {
            name: 'x',
            scopes: ['settings:write'],
            expiresInDays: 1,
          }),
          'body.scopes',
        ],
      ];
      for (const [response, field] of cases) {
        expect(response.statusCode, response.body).toBe(403);
        expect(response.json()).toMatchObject({ code: 'permission_not_held', details: { field } });
      }
      const adminBinding = (
        await call('GET', `/api/v1/role-bindings?subjectKind=user&subject=${adminId}`, admin)
      ).json().items[0];
      const unbind = await call('DELETE', `/api/v1/role-bindings/${adminBinding.id}`, helpdesk);
      expect(unbind.statusCode).toBe(403);
      // What it holds, it may grant.
      const token = await call('POST', '/api/v1/me/tokens', helpdesk, {
        name: 'ok',
        scopes: ['users:read'],
        expiresInDays: 1,
      });
      expect(token.statusCode).toBe(201);
    });
  });

  describe('credentials revoked with the account (M9)', () => {
    async function userWithToken(username: string) {
      const id = await createUser(username, 'viewer');
      const session = (await t.login(username, PASSWORD)).accessToken;
      const created = await call('POST', '/api/v1/me/tokens', session, {
        name: 'ci',
        scopes: ['clusters:read'],
        expiresInDays: 30,
      });
      expect(created.statusCode, created.body).toBe(201);
      const token = created.json().token as string;
      expect((await call('GET', '/api/v1/me', token)).statusCode).toBe(200);
      return { id, token };
    }

    it.each([
      [
        'password reset',
        (id: string) =>
          call('POST', `/api/v1/users/${id}/password`, admin, { password: 'reset-by-the-admin' }),
      ],
      ['MFA reset', (id: string) => call('POST', `/api/v1/users/${id}/mfa/reset`, admin)],
      ['disable', (id: string) => call('PATCH', `/api/v1/users/${id}`, admin, { disabled: true })],
    ])('revokes the API tokens on %s', async (what, act) => {
      const { id, token } = await userWithToken(`tokens-${what.replace(/\W/g, '')}`);
      expect((await act(id)).statusCode).toBeLessThan(300);
      const after = await call('GET', '/api/v1/me', token);
      expect(after.statusCode).toBe(401);
      const { rows } = await t.ctx.db.query<{ revoked: boolean }>(
        'SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE user_id = $1',
        [id],
      );
      expect(rows.map((r) => r.revoked)).toEqual([true]);
    });
  });

  it('refuses a local group name a provider group would be dropped for, naming the field (H1)', async () => {
    for (const groups of [
      ['bad group'],
      ['x'.repeat(129)],
      ['-leading'],
      Array.from({ length: 101 }, (_, i) => `g${i}`),
    ]) {
      const refused = await call('POST', '/api/v1/users', admin, {
        username: 'bad-groups',
        password: PASSWORD,
        groups,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().details.field).toMatch(/^body\.groups/);
    }
  });

  describe('re-checks and bindings (low)', () => {
    it('counts wrong current passwords toward the sign-in lockout', async () => {
      await createUser('recheck');
      const session = (await t.login('recheck', PASSWORD)).accessToken;
      for (let i = 0; i < 8; i++) {
        const wrong = await call('POST', '/api/v1/me/password', session, {
          currentPassword: `wrong-${i}`,
          newPassword: 'another-long-password',
        });
        expect(wrong.statusCode).toBe(400);
        expect(wrong.json().details.field).toBe('body.currentPassword');
      }
      const right = await call('POST', '/api/v1/me/password', session, {
        currentPassword: PASSWORD,
        newPassword: 'another-long-password',
      });
      expect(right.statusCode).toBe(429);
      expect(
        (
          await t.request({
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: 'recheck', password: PASSWORD },
          })
        ).statusCode,
      ).toBe(429);
    });

    it('turns MFA off only with a current code as well as the password', async () => {
      await createUser('mfa-off');
      const session = (await t.login('mfa-off', PASSWORD)).accessToken;
      const { secret, recoveryCodes } = await enrolMfa(session);
      const fresh = (
        await mfaStep(await passwordStep('mfa-off'), { recoveryCode: recoveryCodes[0]! })
      ).json().accessToken as string;
      const noCode = await call('POST', '/api/v1/me/mfa/disable', fresh, { password: PASSWORD });
      expect(noCode.statusCode).toBe(400);
      expect(noCode.json().details.field).toBe('body.code');
      const wrong = await call('POST', '/api/v1/me/mfa/disable', fresh, {
        password: PASSWORD,
        code: wrongCode(secret),
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({
        code: 'mfa_code_invalid',
        details: { field: 'body.code' },
      });
      expect((await call('GET', '/api/v1/me', fresh)).json().mfaEnabled).toBe(true);
      const right = await call('POST', '/api/v1/me/mfa/disable', fresh, {
        password: PASSWORD,
        recoveryCode: recoveryCodes[1]!,
      });
      expect(right.statusCode, right.body).toBe(204);
      expect((await call('GET', '/api/v1/me', fresh)).json().mfaEnabled).toBe(false);
    });

    it('resolves a username given as a binding subject to the user id, and refuses an unknown user with 422', async () => {
      const id = await createUser('by-name');
      const byName = await call('POST', '/api/v1/role-bindings', admin, {
        role: 'viewer',
        subjectKind: 'user',
        subject: 'by-name',
      });
      expect(byName.statusCode, byName.body).toBe(201);
      expect(byName.json().subject).toBe(id);
      const session = (await t.login('by-name', PASSWORD)).accessToken;
      expect((await call('GET', '/api/v1/me', session)).json().roles).toEqual([
        { role: 'viewer', cluster: null, namespace: null },
      ]);
      const nobody = await call('POST', '/api/v1/role-bindings', admin, {
        role: 'viewer',
        subjectKind: 'user',
        subject: 'no-such-user',
      });
      expect(nobody.statusCode).toBe(422);
      expect(nobody.json()).toMatchObject({
        code: 'unknown_subject',
        details: { field: 'body.subject' },
      });
    });
  });
});

describe('identity migration of stored data', () => {
  it('points user bindings stored with a username at the user, and drops invalid provider groups', async () => {
    const env = testEnvironment('postgres');
    const db = await openDatabase(env.config());
    try {
      await migrate(db, [coreMigrations]);
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO users (username) VALUES ('carol') RETURNING id`,
      );
      const carol = rows[0]!.id;
      await db.query(
        `INSERT INTO users (username, source, oidc_subject, groups)
         VALUES ('sso-dave', 'oidc', 'https://idp|dave', ARRAY['ok-group', 'bad group', 'role:admin'])`,
      );
      await db.query(
        `INSERT INTO role_bindings (role, subject_kind, subject) VALUES ('viewer', 'user', 'carol'),
         ('viewer', 'user', 'nobody'), ('viewer', 'group', 'carol')`,
      );
      await migrate(db, [coreMigrations, identityMigrations]);
      const bindings = await db.query<{ subject_kind: string; subject: string }>(
        'SELECT subject_kind, subject FROM role_bindings',
      );
      expect(bindings.rows).toHaveLength(3);
      expect(bindings.rows).toEqual(
        expect.arrayContaining([
          { subject_kind: 'group', subject: 'carol' },
          { subject_kind: 'user', subject: carol },
          // Nobody by that id or name: left alone (it grants nothing, and the API now refuses such a binding).
          { subject_kind: 'user', subject: 'nobody' },
        ]),
      );
      const dave = await db.query<{ groups: string[] }>(
        `SELECT groups FROM users WHERE username = 'sso-dave'`,
      );
      expect(dave.rows[0]!.groups).toEqual(['ok-group', 'role:admin']);
    } finally {
      await db.close();
      await env.cleanup();
    }
  });
});
