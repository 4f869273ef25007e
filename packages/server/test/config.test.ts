import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig } from '../src/core/config.js';

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'kubeops-config-')), 'kubeops.yaml');
  writeFileSync(path, text);
  return path;
};

describe('configuration', () => {
  it('starts from embedded defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.http.port).toBe(8000);
    expect(config.cdc.port).toBe(8001);
    expect(config.targets).toEqual(['all']);
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toMatch(/\.kubeops$/);
  });

  it('layers defaults < file < environment < flags', () => {
    const path = file(
      'http:\n  port: 9000\n  host: 127.0.0.1\nlog:\n  level: debug\naudit:\n  retentionDays: 30\n',
    );
    const config = loadConfig({
      file: path,
      env: {
        KUBEOPS_HTTP_PORT: '9100',
        KUBEOPS_AUDIT_RETENTION_DAYS: '90',
        KUBEOPS_TARGETS: 'api,cdc',
      },
      flags: { http: { port: 9200 } },
    });
    expect(config.http.port).toBe(9200);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.log.level).toBe('debug');
    expect(config.audit.retentionDays).toBe(90);
    expect(config.targets).toEqual(['api', 'cdc']);
  });

  it('reads KUBEOPS_CONFIG, DATABASE_URL and nested camelCase keys from the environment', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      env: {
        KUBEOPS_CONFIG: file('oidc:\n  groupRoles:\n    admins: admin\n'),
        DATABASE_URL: 'postgres://db/kubeops',
        KUBEOPS_ENCRYPTION_KEY: key,
        KUBEOPS_AUTH_LOCKOUT_MAX_FAILURES_PER_ACCOUNT: '9',
      },
    });
    expect(config.database.url).toBe('postgres://db/kubeops');
    expect(config.auth.lockout.maxFailuresPerAccount).toBe(9);
    expect(config.oidc.groupRoles).toEqual({ admins: 'admin' });
    expect(envName(['auth', 'lockout', 'maxFailuresPerAccount'])).toBe(
      'KUBEOPS_AUTH_LOCKOUT_MAX_FAILURES_PER_ACCOUNT',
    );
  });

  it('lists every problem with its key', () => {
    const path = file('http:\n  port: 70000\n  prot: 1\nlog:\n  level: loud\n');
    let error: unknown;
    try {
      loadConfig({
        file: path,
        env: { KUBEOPS_RATE_LIMIT_MAX: 'many', KUBEOPS_TARGETS: 'api,web' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining(['http.port', 'http.prot', 'log.level', 'rateLimit.max', 'targets.1']),
    );
    expect((error as ConfigError).message).toContain('http.port');
  });

  it('refuses an external database without an encryption key, and a malformed key', () => {
    expect(() => loadConfig({ env: { DATABASE_URL: 'postgres://db/k' } })).toThrow(
      /encryption\.key: is required/,
    );
    expect(() => loadConfig({ env: { KUBEOPS_ENCRYPTION_KEY: 'c2hvcnQ=' } })).toThrow(
      /encryption\.key: must be base64 of exactly 32 bytes/,
    );
    expect(() => loadConfig({ env: { KUBEOPS_OIDC_ISSUER: 'https://id.example' } })).toThrow(
      /oidc\.clientId/,
    );
  });
});
