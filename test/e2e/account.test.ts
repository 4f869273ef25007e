import { describe, expect, it } from 'vitest';
import { totp } from '../../packages/server/src/auth/totp.js';
import {
  apiToken,
  callApi,
  screenshot,
  signIn,
  signOut,
  type KubeopsServer,
} from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';

/**
 * A person's own account in the console: their password, two-step
 * verification with an authenticator app and recovery codes, and personal
 * API tokens, each proven the way it is used: by signing in again and by
 * calling the API from outside the browser.
 */

describe('console: own account', () => {
  const suite = useConsoleSuite();
  const username = `ops-${Date.now().toString(36)}`;
  const firstPassword = `${username}-first-password`;
  const password = `${username}-second-password`;
  let secret = '';
  let recoveryCodes: string[] = [];

  const page = () => suite.page;
  const server = (): KubeopsServer => suite.server;

  /** Fills the sign-in form; the caller finishes whatever step comes next. */
  async function enterPassword(secretWord: string): Promise<void> {
    await page().goto(`${server().url}/login`);
    await page().fill('input[name=username]', username);
    await page().fill('input[name=password]', secretWord);
    await page().click('[data-testid=login-submit]');
  }

  const signedIn = () =>
    page().locator('[data-testid=user-menu]', { hasText: username }).waitFor({ timeout: 15_000 });

  it('changes the password: the old one stops working, the new one signs in', async () => {
    const admin = await apiToken(server(), server().adminUsername, server().adminPassword);
    const user = await callApi<{ id: string }>(server(), admin, 'POST', '/api/v1/users', {
      username,
      password: firstPassword,
    });
    await callApi(server(), admin, 'POST', '/api/v1/role-bindings', {
      role: 'operator',
      subjectKind: 'user',
      subject: user.id,
    });

    await signIn(page(), server(), username, firstPassword);
    await page().goto(`${server().url}/profile`);
    await page().fill('input[name=current-password]', firstPassword);
    await page().fill('input[name=new-password]', password);
    await page().click('[data-testid=password-save]');
    await page().locator('.el-message--success', { hasText: 'Password changed' }).waitFor();
    await signOut(page());

    await enterPassword(firstPassword);
    await page().locator('[data-testid=login-error]').waitFor();
    await enterPassword(password);
    await signedIn();
  });

  it('turns on two-step verification with the secret the page shows and lists recovery codes', async () => {
    await page().goto(`${server().url}/profile`);
    await expect.poll(() => page().locator('[data-testid=mfa-state]').innerText()).toBe('Off');
    await page().click('[data-testid=mfa-enable]');
    secret = (await page().locator('[data-testid=mfa-secret]').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // A wrong code is refused and leaves MFA off.
    await page().fill('input[name=code]', totp(secret) === '000000' ? '111111' : '000000');
    await page().click('[data-testid=mfa-verify]');
    await page().locator('.el-message--error').waitFor();
    await page().fill('input[name=code]', totp(secret));
    await page().click('[data-testid=mfa-verify]');
    const codes = page().locator('[data-testid=recovery-codes] li');
    await expect.poll(() => codes.count()).toBeGreaterThanOrEqual(8);
    recoveryCodes = (await codes.allInnerTexts()).map((c) => c.trim());
    expect(new Set(recoveryCodes).size).toBe(recoveryCodes.length);
    await expect.poll(() => page().locator('[data-testid=mfa-state]').innerText()).toBe('On');
    await screenshot(page(), 'profile-mfa-recovery-codes');
  });

  it('asks for the authenticator code after the password, and signs in with it', async () => {
    await signOut(page());
    await enterPassword(password);
    await page().locator('[data-testid=mfa-submit]').waitFor();
    expect(page().url()).toContain('/login');
    await screenshot(page(), 'login-mfa');
    // The code of the next 30 s step: the one used to enrol cannot be replayed.
    await page().fill('input[name=code]', totp(secret, Date.now() + 30_000));
    await page().click('[data-testid=mfa-submit]');
    await signedIn();
  });

  it('signs in once with a recovery code instead', async () => {
    const [code, ...rest] = recoveryCodes;
    expect(rest.length).toBeGreaterThan(0);
    await signOut(page());
    await enterPassword(password);
    await page().click('[data-testid=mfa-use-recovery]');
    await page().fill('input[name=recoveryCode]', code!);
    await page().click('[data-testid=mfa-submit]');
    await signedIn();

    // Spent: the same code does not sign in a second time.
    await signOut(page());
    await enterPassword(password);
    await page().click('[data-testid=mfa-use-recovery]');
    await page().fill('input[name=recoveryCode]', code!);
    await page().click('[data-testid=mfa-submit]');
    await page().locator('[data-testid=login-error]').waitFor();
    await page().fill('input[name=recoveryCode]', rest[0]!);
    await page().click('[data-testid=mfa-submit]');
    await signedIn();
  });

  it('turns two-step verification off only with the password and a current code', async () => {
    await page().goto(`${server().url}/profile`);
    await expect.poll(() => page().locator('[data-testid=mfa-state]').innerText()).toBe('On');
    /** Answers the prompt that asks `question` (the password, then the code). */
    const answer = async (question: RegExp, text: string) => {
      const box = page().locator('.el-message-box:visible', { hasText: question });
      await box.locator('input').fill(text);
      await box.locator('.el-button--primary').click();
    };
    const PASSWORD_PROMPT = /Enter your password/;
    const CODE_PROMPT = /code from your authenticator/;
    // A wrong code: refused, MFA stays on.
    await page().click('[data-testid=mfa-disable]');
    await answer(PASSWORD_PROMPT, password);
    await answer(CODE_PROMPT, '000000' === totp(secret) ? '111111' : '000000');
    await page().locator('.el-message--error').waitFor();
    expect(await page().locator('[data-testid=mfa-state]').innerText()).toBe('On');
    await page().click('[data-testid=mfa-disable]');
    await answer(PASSWORD_PROMPT, password);
    await answer(CODE_PROMPT, recoveryCodes[2]!);
    await expect.poll(() => page().locator('[data-testid=mfa-state]').innerText()).toBe('Off');
  });

  it('creates a scoped, expiring API token, shows it once, and revoking it locks the API out', async () => {
    await page().goto(`${server().url}/profile`);
    const name = `ci-${Date.now().toString(36)}`;
    await page().fill('input[name=token-name]', name);
    await page()
      .locator('[data-testid=token-scopes] .el-checkbox', { hasText: /^audit:read$/ })
      .click();
    await page().fill('[data-testid=token-days] input', '7');
    await page().click('[data-testid=token-create]');
    const shown = page().locator('[data-testid=new-token]');
    const token = (await shown.innerText()).trim();
    expect(token).toMatch(/^kop_/);
    const row = page().locator('[data-testid=tokens] .el-table__row', { hasText: name });
    await row.waitFor();
    expect(await row.innerText()).toContain('audit:read');
    // Expires in seven days, as asked (the table shows the date).
    const expiry = new Date(Date.now() + 7 * 86_400_000);
    expect(await row.innerText()).toContain(expiry.toLocaleDateString('en-US'));
    await screenshot(page(), 'profile-api-token');

    const call = (path: string) =>
      fetch(`${server().url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call('/api/v1/audit')).status).toBe(200);
    // Limited to its scope although the user's role may read clusters.
    expect((await call('/api/v1/clusters')).status).toBe(403);

    // Shown once: a reload lists the token by its prefix only.
    await page().reload();
    await row.waitFor();
    expect(await page().locator('[data-testid=new-token]').count()).toBe(0);
    expect(await page().content()).not.toContain(token);

    await row.locator('[data-testid=token-revoke]').click();
    await expect.poll(() => row.innerText()).toContain('Revoked');
    expect((await call('/api/v1/audit')).status).toBe(401);
    expect(suite.errors).toEqual([]);
  });
});
