import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiToken, screenshot, signOut } from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';

/**
 * First start without a configured admin password: the generated one is in
 * an owner-only file (the log says where, not what), and the console's
 * sign-in makes the administrator replace it before anything else.
 */
describe('console: first sign-in with the generated admin password', () => {
  const suite = useConsoleSuite(() => ({ generatedAdminPassword: true }));
  const ownPassword = 'the-administrators-own-password';

  it('asks for a new password at the first sign-in, then works with it', async () => {
    const { page, server } = suite;
    const file = /written to (\S+initial-admin-password)/.exec(server.log())?.[1];
    expect(file, server.log()).toBeTruthy();
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const generated = readFileSync(file!, 'utf8').trim();
    expect(server.log()).not.toContain(generated);

    await page.goto(`${server.url}/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', generated);
    await page.click('[data-testid=login-submit]');
    await page.locator('[data-testid=password-change-form]').waitFor();
    expect(page.url()).toContain('/login');
    await screenshot(page, 'login-password-change');

    // Mistyped confirmation: refused in the page, nothing changes.
    await page.fill('input[name=new-password]', ownPassword);
    await page.fill('input[name=confirm-password]', `${ownPassword}x`);
    await page.click('[data-testid=password-change-submit]');
    await page.locator('[data-testid=login-error]').waitFor();

    await page.fill('input[name=confirm-password]', ownPassword);
    await page.click('[data-testid=password-change-submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.locator('[data-testid=user-menu]').waitFor();
    expect(existsSync(file!)).toBe(false);

    await signOut(page);
    await expect(apiToken(server, 'admin', generated)).rejects.toThrow();
    const token = await apiToken(server, 'admin', ownPassword);
    const users = await fetch(`${server.url}/api/v1/users`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(users.status).toBe(200);
    expect(suite.errors).toEqual([]);
  });
});
