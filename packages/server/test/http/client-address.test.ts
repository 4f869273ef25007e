import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';
import { startTestApp, type TestApp } from '../support/app.js';

const problemsOf = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('http.trustProxy config', () => {
  it('refuses true and says what to set instead', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: {}, flags: { http: { trustProxy: true } } }),
    );
    expect(problems).toEqual([
      { key: 'http.trustProxy', message: expect.stringMatching(/number of proxies.*CIDR/) },
    ]);
    expect(
      problemsOf(() => loadConfig({ env: { KUBEOPS_HTTP_TRUST_PROXY: 'true' } }))[0]?.key,
    ).toBe('http.trustProxy');
  });

  it('takes a hop count or a list of proxy addresses, from the file or the environment', () => {
    expect(loadConfig({ env: {} }).http.trustProxy).toBe(0);
    expect(loadConfig({ env: { KUBEOPS_HTTP_TRUST_PROXY: '1' } }).http.trustProxy).toBe(1);
    expect(
      loadConfig({ env: { KUBEOPS_HTTP_TRUST_PROXY: '10.0.0.0/8, fd00::/8,loopback' } }).http
        .trustProxy,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', 'loopback']);
    expect(
      problemsOf(() => loadConfig({ env: {}, flags: { http: { trustProxy: ['10.0.0.0/33'] } } })),
    ).toEqual([{ key: 'http.trustProxy.0', message: expect.stringContaining('not an IP') }]);
  });
});

/** A failed sign-in from `remoteAddress`; returns the address KubeOps recorded for it. */
async function recordedAddress(
  t: TestApp,
  remoteAddress: string,
  forwardedFor: string | undefined,
): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    payload: { username: `nobody-${Math.random()}`, password: 'wrong-password' },
  });
  expect(response.statusCode).toBe(401);
  const { rows } = await t.ctx.db.query<{ source_ip: string }>(
    'SELECT source_ip FROM audit_log WHERE request_id = $1',
    [response.headers['x-request-id']],
  );
  return rows[0]!.source_ip;
}

describe('client address behind proxies', () => {
  const apps: TestApp[] = [];
  const start = async (trustProxy: unknown) => {
    const t = await startTestApp('pglite', {
      http: { trustProxy },
      auth: { lockout: { maxFailuresPerIp: 3, maxFailuresPerAccount: 100 } },
    });
    apps.push(t);
    return t;
  };
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  it('ignores X-Forwarded-For by default', async () => {
    const t = await start(0);
    expect(await recordedAddress(t, '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
  });

  describe('with the proxies listed', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await start(['10.0.0.0/8']);
    });

    it('takes the address a listed proxy saw, and ignores what a direct client claims', async () => {
      expect(await recordedAddress(t, '10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
      // The client put a fake entry in front; the proxy appended the real one.
      expect(await recordedAddress(t, '10.1.2.3', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
      expect(await recordedAddress(t, '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
    });

    it('locks a direct client out however it rotates X-Forwarded-For', async () => {
      let status = 0;
      for (let i = 0; i < 6 && status !== 429; i++) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '198.51.100.99',
          headers: { 'x-forwarded-for': `192.0.2.${i + 10}` },
          payload: { username: `spray-${i}`, password: 'wrong-password' },
        });
        status = response.statusCode;
      }
      expect(status).toBe(429);
      const { rows } = await t.ctx.db.query<{ key: string }>(
        "SELECT key FROM login_failures WHERE key LIKE 'ip:%'",
      );
      expect(rows.map((r) => r.key)).toContain('ip:198.51.100.99');
      expect(rows.map((r) => r.key).filter((k) => k.startsWith('ip:192.0.2.'))).toEqual([]);
    });
  });

  it('with a hop count, takes the entry the last proxy appended, not the client-supplied one', async () => {
    const t = await start(1);
    expect(await recordedAddress(t, '10.1.2.3', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
  });
});
