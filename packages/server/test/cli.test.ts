import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const main = resolve(repo, 'packages/server/src/cli/main.ts');
// Runs the program from source; `development` resolves @kubeops/contracts to its sources too.
const node = ['--conditions=development', '--import', 'tsx', main];
const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
  };
  return { ...env, ...extra };
};

describe('the kubeops program', () => {
  it('documents every command', () => {
    const help = spawnSync('node', [...node, '--help'], { cwd: repo, encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const command of ['serve', 'migrate', 'admin']) expect(help.stdout).toContain(command);
    const serve = spawnSync('node', [...node, 'serve', '--help'], { cwd: repo, encoding: 'utf8' });
    expect(serve.stdout).toContain('--target');
    expect(serve.stdout).toContain('--port');
    const admin = spawnSync('node', [...node, 'admin', '--help'], { cwd: repo, encoding: 'utf8' });
    for (const command of ['create-user', 'reset-password', 'rotate-encryption-key'])
      expect(admin.stdout).toContain(command);
  });

  it('exits non-zero listing every config problem', () => {
    const result = spawnSync('node', [...node, 'serve'], {
      cwd: repo,
      encoding: 'utf8',
      env: cleanEnv({
        KUBEOPS_HTTP_PORT: 'eighty',
        KUBEOPS_LOG_LEVEL: 'loud',
        DATABASE_URL: 'postgres://x/y',
      }),
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('http.port');
    expect(result.stderr).toContain('log.level');
    expect(result.stderr).toContain('encryption.key');
  });

  it('serves with embedded defaults, writes the one-time admin password to an owner-only file, forces its change, then administers the same data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-cli-'));
    const env = cleanEnv({ KUBEOPS_DATA_DIR: dataDir, KUBEOPS_HTTP_HOST: '127.0.0.1' });
    const server = spawn('node', [...node, 'serve', '--target=api', '--port', '0'], {
      cwd: repo,
      env,
    });
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ready = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 45_000);
      server.stdout.on('data', () => {
        const match = /sign in at (http:\/\/[^"\s]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolvePromise(match[1]!);
        }
      });
    });
    const passwordFile = join(dataDir, 'initial-admin-password');
    expect(output).toContain(passwordFile);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(output).not.toContain(password);
    const call = (path: string, token: string | undefined, body?: unknown) =>
      fetch(new URL(path, ready), {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const login = await call('/api/v1/auth/login', undefined, { username: 'admin', password });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect(output).not.toContain(accessToken);
    // Nothing but choosing a password of one's own until it is changed.
    for (const path of ['/api/v1/me', '/api/v1/users']) {
      const refused = await call(path, accessToken);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('password_change_required');
    }
    const changed = await call('/api/v1/me/password', accessToken, {
      currentPassword: password,
      newPassword: 'the-admins-own-password',
    });
    expect(changed.status).toBe(204);
    expect(existsSync(passwordFile)).toBe(false);
    expect((await call('/api/v1/users', accessToken)).status).toBe(200);

    const exited = new Promise<number | null>((r) => server.on('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);

    const created = spawnSync(
      'node',
      [...node, 'admin', 'create-user', 'ops', '--role', 'operator'],
      { cwd: repo, env, encoding: 'utf8' },
    );
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/password: \S{24}/);
    const reset = spawnSync(
      'node',
      [...node, 'admin', 'reset-password', 'ops', '--password-stdin'],
      {
        cwd: repo,
        env,
        encoding: 'utf8',
        input: 'a-brand-new-password\n',
      },
    );
    expect(reset.status, reset.stderr).toBe(0);
    const rotated = spawnSync('node', [...node, 'admin', 'rotate-encryption-key'], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/re-encrypted \d+ secrets/);
    const migrated = spawnSync('node', [...node, 'migrate'], { cwd: repo, env, encoding: 'utf8' });
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('database is up to date');
  }, 120_000);
});
