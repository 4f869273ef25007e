import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { grantCovers, isAllowed, type Principal } from '../src/auth/authorizer.js';
import { impersonationFor } from '../src/auth/impersonation.js';
import { missingRights, unheldPermissions } from '../src/auth/privilege.js';
import { ConfigError, loadConfig } from '../src/core/config.js';
import { base32Decode, base32Encode, hotp, matchTotp, totp } from '../src/auth/totp.js';

const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));

describe('TOTP (RFC 6238 / RFC 4226)', () => {
  it('produces the RFC test vectors', () => {
    // RFC 6238 Appendix B (SHA-1), last six digits of the eight-digit values.
    expect(totp(RFC_SECRET, 59_000)).toBe('287082');
    expect(totp(RFC_SECRET, 1111111109_000)).toBe('081804');
    expect(totp(RFC_SECRET, 1234567890_000)).toBe('005924');
    expect(hotp(Buffer.from('12345678901234567890'), 0)).toBe('755224');
    expect(base32Decode(RFC_SECRET).toString()).toBe('12345678901234567890');
  });

  it('accepts one step of clock drift and no more', () => {
    const now = 1_700_000_000_000;
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 30_000), now)).toBeDefined();
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now + 30_000), now)).toBeDefined();
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 90_000), now)).toBeUndefined();
  });
});

describe('impersonation mapping', () => {
  const options = { userPrefix: 'kubeops:', groupPrefix: 'kubeops:' };
  const bindings = [
    { role: 'developer', cluster: null, namespace: null },
    { role: 'operator', cluster: 'prod', namespace: null },
    { role: 'viewer', cluster: 'prod', namespace: 'payments' },
    { role: 'admin', cluster: 'staging', namespace: null },
  ];

  it('maps identity, groups and the bindings that reach the cluster', () => {
    expect(
      impersonationFor({ username: 'alice', groups: ['sre'] }, bindings, 'prod', options),
    ).toEqual({
      cluster: 'prod',
      user: 'kubeops:alice',
      groups: [
        'kubeops:authenticated',
        'kubeops:group:sre',
        'kubeops:role:developer',
        'kubeops:role:operator',
        'kubeops:role:viewer:payments',
      ],
    });
  });

  it('never carries a binding to another cluster', () => {
    const other = impersonationFor({ username: 'alice', groups: [] }, bindings, 'dev', options);
    expect(other.groups).toEqual(['kubeops:authenticated', 'kubeops:role:developer']);
  });

  it('uses the configured prefixes', () => {
    const mapped = impersonationFor({ username: 'bob', groups: ['x'] }, [], null, {
      userPrefix: 'sso:',
      groupPrefix: 'ko-',
    });
    expect(mapped).toEqual({
      cluster: null,
      user: 'sso:bob',
      groups: ['ko-authenticated', 'ko-group:x'],
    });
  });

  it('keeps a group named like a role apart from the role', () => {
    const mapped = impersonationFor(
      { username: 'eve', groups: ['role:admin', 'role:viewer:payments', 'authenticated'] },
      [],
      'prod',
      options,
    );
    expect(mapped.groups).toEqual([
      'kubeops:authenticated',
      'kubeops:group:authenticated',
      'kubeops:group:role:admin',
      'kubeops:group:role:viewer:payments',
    ]);
    expect(mapped.groups.filter((g) => g.startsWith('kubeops:role:'))).toEqual([]);
  });

  it('names an OIDC user by issuer and subject, not by the name it claims', () => {
    const oidcUser = (subject: string) =>
      impersonationFor(
        { username: 'admin', groups: [], source: 'oidc', oidcSubject: subject },
        [],
        null,
        options,
      ).user;
    const hash = createHash('sha256').update('https://idp.example').digest('hex').slice(0, 10);
    expect(oidcUser('https://idp.example|auth0|42')).toBe(`kubeops:oidc:${hash}:auth0|42`);
    expect(oidcUser('https://other.example|auth0|42')).not.toBe(
      oidcUser('https://idp.example|auth0|42'),
    );
    expect(oidcUser('https://idp.example|auth0|42')).not.toBe('kubeops:admin');
  });
});

describe('impersonation prefixes in the configuration', () => {
  const load = (impersonation: Record<string, string>) =>
    loadConfig({ env: {}, flags: { auth: { impersonation } } });

  it('refuses an empty prefix and any system: prefix, naming each setting', () => {
    let error: unknown;
    try {
      load({ userPrefix: '', groupPrefix: 'system:' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining(['auth.impersonation.userPrefix', 'auth.impersonation.groupPrefix']),
    );
    expect(() => load({ userPrefix: 'system:serviceaccount:', groupPrefix: 'x:' })).toThrow(
      /auth\.impersonation\.userPrefix/,
    );
    expect(load({ userPrefix: 'sso:', groupPrefix: 'ko-' }).auth.impersonation).toEqual({
      userPrefix: 'sso:',
      groupPrefix: 'ko-',
    });
  });
});

describe('permission checks', () => {
  const principal: Principal = {
    userId: 'u1',
    username: 'u',
    groups: [],
    source: 'local',
    authMethod: 'session',
    sessionId: 's',
    tokenId: null,
    scopes: null,
    mfaEnrolmentRequired: false,
  };
  const grant = {
    role: 'viewer',
    cluster: 'c1',
    namespace: 'ns1',
    permissions: ['clusters:read'],
    via: 'binding' as const,
  };

  it('applies a namespace grant to that namespace only', () => {
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c1', namespace: 'ns1' })).toBe(true);
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c1', namespace: 'ns2' })).toBe(false);
    expect(grantCovers(grant, 'clusters:read', { cluster: 'c1' })).toBe(false);
    expect(grantCovers(grant, 'clusters:write', { cluster: 'c1', namespace: 'ns1' })).toBe(false);
  });

  it('limits API tokens to their scopes', () => {
    const admin = [
      {
        role: 'admin',
        cluster: null,
        namespace: null,
        permissions: ['*'],
        via: 'binding' as const,
      },
    ];
    expect(isAllowed(principal, admin, 'users:write')).toBe(true);
    expect(isAllowed({ ...principal, scopes: ['audit:read'] }, admin, 'users:write')).toBe(false);
    expect(isAllowed({ ...principal, scopes: ['audit:read'] }, admin, 'audit:read')).toBe(true);
  });
});

describe('rights one may grant or act on', () => {
  const actor: Principal = {
    userId: 'u1',
    username: 'helpdesk',
    groups: [],
    source: 'local',
    authMethod: 'session',
    sessionId: 's1',
    tokenId: null,
    scopes: null,
    mfaEnrolmentRequired: false,
  };
  const grant = (
    permissions: string[],
    cluster: string | null = null,
    namespace: string | null = null,
  ) => ({
    role: 'r',
    cluster,
    namespace,
    permissions,
    via: 'binding' as const,
  });
  const grants = [
    grant(['users:write', 'clusters:*']),
    grant(['devops:write'], 'prod', 'payments'),
  ];
  const at = (
    permissions: string[],
    cluster: string | null = null,
    namespace: string | null = null,
  ) => ({
    permissions,
    cluster,
    namespace,
  });

  it('covers a permission only where it is held, and wildcards only by wildcards', () => {
    expect(
      missingRights(actor, grants, [at(['users:write', 'clusters:read', 'clusters:*'])]),
    ).toEqual([]);
    expect(missingRights(actor, grants, [at(['devops:write'], 'prod', 'payments')])).toEqual([]);
    expect(missingRights(actor, grants, [at(['devops:write'], 'prod')])).toEqual([
      { permission: 'devops:write', cluster: 'prod', namespace: null },
    ]);
    expect(
      missingRights(actor, grants, [at(['*']), at(['users:*'])]).map((m) => m.permission),
    ).toEqual(['*', 'users:*']);
  });

  it('limits an API token caller to its scopes', () => {
    const token = { ...actor, authMethod: 'api_token' as const, scopes: ['users:write'] };
    expect(missingRights(token, grants, [at(['clusters:read'])])).toHaveLength(1);
    expect(unheldPermissions(token, grants, ['users:write', 'clusters:read'])).toEqual([
      'clusters:read',
    ]);
    expect(unheldPermissions(actor, grants, ['devops:write', 'settings:write', '*'])).toEqual([
      'settings:write',
      '*',
    ]);
  });
});
