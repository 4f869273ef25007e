import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Me } from '@kubeops/contracts';
import { freePort } from '../../../test/support/free-port.js';
import {
  MALLORY_CLAIMS,
  oidcConfig,
  startOidcProvider,
  type OidcProvider,
} from '../../../test/support/oidc-provider.js';
import type { ServerContext } from '../src/context.js';
import { createLogger } from '../src/core/logging.js';
import { startServer, type RunningServer } from '../src/server.js';
import { testEnvironment, type TestEnvironment } from './support/backends.js';

/** Just enough of a browser: follows nothing by itself, keeps cookies per origin. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value.join('=') === '')
        cookies.delete(name!.trim());
      else cookies.set(name!.trim(), value.join('='));
    }
    this.jar.set(origin, cookies);
    return response;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  /** Follows redirects until one leaves `stopAt`'s origin or a page is returned. */
  async follow(url: string, stopAt: string): Promise<{ url: string; response: Response }> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      const response = await this.fetch(current);
      const location = response.headers.get('location');
      if (!location) return { url: current, response };
      current = new URL(location, current).toString();
      if (current.startsWith(stopAt)) return { url: current, response };
    }
    throw new Error('too many redirects');
  }
}

describe('OIDC single sign-on against a real OpenID provider', () => {
  let provider: OidcProvider;
  let issuer: string;
  let kubeops: RunningServer;
  let env: TestEnvironment;
  let base: string;
  let ctx: ServerContext;

  beforeAll(async () => {
    const kubeopsPort = await freePort();
    base = `http://127.0.0.1:${kubeopsPort}`;
    provider = await startOidcProvider(base);
    issuer = provider.issuer;

    env = testEnvironment('postgres');
    const config = env.config({
      http: { host: '127.0.0.1', port: kubeopsPort, publicUrl: base },
      auth: { adminPassword: 'correct-horse-battery-staple' },
      oidc: oidcConfig(provider),
    });
    kubeops = await startServer({ ...config, targets: ['api'] }, createLogger('silent'));
    ctx = kubeops.ctx;
  });

  afterAll(async () => {
    await kubeops?.close();
    await provider?.close();
    await env?.cleanup();
  });

  async function signIn(browser: Browser, login: string): Promise<Response> {
    const start = await browser.fetch(`${base}/api/v1/auth/oidc/login`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toBeTruthy();
    let step = await browser.follow(authorize.toString(), base);
    for (let i = 0; i < 4 && !step.url.startsWith(base); i++) {
      const page = await step.response.text();
      const action = /action="([^"]+)"/.exec(page)?.[1];
      if (!action) throw new Error(`no form on ${step.url}: ${page.slice(0, 200)}`);
      const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1] ?? 'consent';
      const body = new URLSearchParams({ prompt, login, password: 'anything' });
      const posted = await browser.fetch(new URL(action, step.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      step = await browser.follow(
        new URL(posted.headers.get('location')!, step.url).toString(),
        base,
      );
    }
    expect(step.url).toContain('/api/v1/auth/oidc/callback?');
    return browser.fetch(step.url);
  }

  it('signs a user in with code + PKCE and maps provider groups to roles', async () => {
    const browser = new Browser();
    const callback = await signIn(browser, 'alice');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    const refresh = browser.cookie(base, 'kubeops_refresh');
    expect(refresh).toBeTruthy();

    const tokens = await browser.fetch(`${base}/api/v1/auth/refresh`, { method: 'POST' });
    expect(tokens.status).toBe(200);
    const { accessToken } = (await tokens.json()) as { accessToken: string };
    const me = (await (
      await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as Record<string, unknown>;
    expect(me).toMatchObject({
      username: 'sso-alice',
      source: 'oidc',
      groups: ['platform-operators', 'team-x'],
      roles: [{ role: 'operator', cluster: null, namespace: null }],
      impersonation: {
        user: `kubeops:oidc:${issuerHash()}:alice`,
        groups: [
          'kubeops:authenticated',
          'kubeops:group:platform-operators',
          'kubeops:group:team-x',
          'kubeops:role:operator',
        ],
      },
    });
    expect(me.permissions).toContain('clusters:write');
    const audit = await ctx.audit.query({ action: 'auth.login_oidc', actor: 'sso-alice' });
    expect(audit.items[0]?.result).toBe('success');
  });

  const issuerHash = () => createHash('sha256').update(issuer).digest('hex').slice(0, 10);

  async function meOf(browser: Browser): Promise<Me> {
    const { accessToken } = (await (
      await browser.fetch(`${base}/api/v1/auth/refresh`, { method: 'POST' })
    ).json()) as { accessToken: string };
    const me = await fetch(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.status).toBe(200);
    return (await me.json()) as Me;
  }

  it('impersonates provider users by issuer and subject: a shared preferred_username never collides', async () => {
    const first = new Browser();
    const second = new Browser();
    expect((await signIn(first, 'twin-1')).headers.get('location')).toBe('/');
    expect((await signIn(second, 'twin-2')).headers.get('location')).toBe('/');
    const one = await meOf(first);
    const two = await meOf(second);
    expect(one.username).toBe('sso-twin');
    expect(two.username).toMatch(/^sso-twin-[0-9a-f]{6}$/);
    expect(one.impersonation.user).toBe(`kubeops:oidc:${issuerHash()}:twin-1`);
    expect(two.impersonation.user).toBe(`kubeops:oidc:${issuerHash()}:twin-2`);
    expect(one.id).not.toBe(two.id);
    // Signing in again lands on the same account, not a third one.
    const again = new Browser();
    await signIn(again, 'twin-2');
    expect((await meOf(again)).id).toBe(two.id);
  });

  it('keeps provider groups apart from role groups, drops invalid ones and ignores an unverified email', async () => {
    const browser = new Browser();
    expect((await signIn(browser, 'mallory')).headers.get('location')).toBe('/');
    const me = await meOf(browser);
    // Named after the subject, not the unverified email the provider passed on.
    expect(me.username).toBe('mallory');
    expect(me.groups).toEqual(['role:admin', 'ok-group']);
    expect(me.roles).toEqual([]);
    expect(me.impersonation.groups).toEqual([
      'kubeops:authenticated',
      'kubeops:group:ok-group',
      'kubeops:group:role:admin',
    ]);
    const user = await ctx.users.byOidcSubject(`${issuer}|mallory`);
    expect(user?.email).toBeNull();
    const audit = await ctx.audit.query({ action: 'auth.login_oidc', actor: 'mallory' });
    expect(audit.items[0]?.details).toMatchObject({
      droppedGroups: MALLORY_CLAIMS.groups.filter((g) => g !== 'role:admin' && g !== 'ok-group'),
    });
  });

  it('gives a user without a mapped group no platform permissions', async () => {
    const browser = new Browser();
    expect((await signIn(browser, 'bob')).status).toBe(302);
    const { accessToken } = (await (
      await browser.fetch(`${base}/api/v1/auth/refresh`, { method: 'POST' })
    ).json()) as { accessToken: string };
    const users = await fetch(`${base}/api/v1/users`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(users.status).toBe(403);
  });

  it('refuses a callback whose state does not match the browser that started', async () => {
    const victim = new Browser();
    const start = await victim.fetch(`${base}/api/v1/auth/oidc/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state');
    const attacker = new Browser();
    await attacker.fetch(`${base}/api/v1/auth/oidc/login`);
    const forged = await attacker.fetch(
      `${base}/api/v1/auth/oidc/callback?code=stolen&state=${state}`,
    );
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('oidc_failed');
    const noCookie = await fetch(`${base}/api/v1/auth/oidc/callback?code=x&state=y`);
    expect(noCookie.status).toBe(400);
    expect(attacker.cookie(base, 'kubeops_refresh')).toBeUndefined();
  });
});
