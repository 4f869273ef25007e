import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { oidcEnvironment, startOidcProvider, type OidcProvider } from '../support/oidc-provider.js';
import { screenshot, signOut } from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';

/**
 * Single sign-on from the console: KubeOps configured (through its
 * environment, as an operator would) against a real OpenID provider running
 * on a loopback port, and a person who clicks the SSO button and signs in
 * on the provider's own pages.
 */

describe('console: single sign-on', () => {
  let provider: OidcProvider | undefined;
  const suite = useConsoleSuite(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider(url);
    return { port, env: oidcEnvironment(provider, url) };
  });

  afterAll(async () => {
    await provider?.close();
  });

  /** The provider's development login and consent pages, filled as a person would. */
  async function signInAtProvider(login: string): Promise<void> {
    const { page } = suite;
    await page.waitForURL((url) => url.origin === provider!.issuer);
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password');
    await screenshot(page, 'sso-provider-login');
    await page.click('button[type=submit]');
    // Consent, the first time this account meets the client.
    await page.waitForURL(
      (url) => url.origin !== provider!.issuer || /\/interaction\//.test(url.pathname),
    );
    if (new URL(page.url()).origin === provider!.issuer) await page.click('button[type=submit]');
  }

  it('brings a person who cancels at the provider back to the sign-in page, saying so', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/login`);
    await page.locator('[data-testid=login-sso]').click();
    await page.waitForURL((url) => url.origin === provider!.issuer);
    await page.getByText('[ Cancel ]').click();
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/login');
    await expect
      .poll(() => page.locator('[data-testid=login-error]').innerText())
      .toContain('Single sign-on did not complete');
    await screenshot(page, 'login-sso-cancelled');
  });

  it('shows the SSO button and signs in through the OpenID provider', async () => {
    const { page, server } = suite;
    await page.goto(`${server.url}/login`);
    const sso = page.locator('[data-testid=login-sso]');
    await sso.waitFor();
    await screenshot(page, 'login-sso');
    await sso.click();
    await signInAtProvider('alice');

    await page.waitForURL((url) => url.origin === server.url && !url.pathname.startsWith('/login'));
    await page.locator('[data-testid=user-menu]', { hasText: 'SSO alice' }).waitFor();
    // The provider's group became the platform role it is mapped to.
    await page.goto(`${server.url}/profile`);
    const identity = page.locator('.el-descriptions');
    await expect.poll(() => identity.innerText()).toContain('sso-alice');
    const text = await identity.innerText();
    expect(text).toContain('oidc');
    expect(text).toContain('operator');
    expect(text).toContain('kubeops:group:platform-operators');
    await page.waitForTimeout(300); // the role tags fade in
    await screenshot(page, 'profile-sso');
  });

  it('signs out, and the button signs in again on the provider’s session', async () => {
    const { page, server } = suite;
    await signOut(page);
    await page.locator('[data-testid=login-sso]').click();
    await page.waitForURL((url) => url.origin === server.url && !url.pathname.startsWith('/login'));
    await page.locator('[data-testid=user-menu]', { hasText: 'SSO alice' }).waitFor();
    expect(suite.errors).toEqual([]);
  });
});
