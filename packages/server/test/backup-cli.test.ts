import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const main = resolve(repo, 'packages/server/src/cli/main.ts');
const adminUrl = () => {
  const url = process.env.KUBEOPS_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'KUBEOPS_TEST_DATABASE_URL is not set (the vitest global setup starts PostgreSQL)',
    );
  return url;
};

const created: string[] = [];
const dirs: string[] = [];

async function scratchDatabaseUrl(): Promise<string> {
  const name = `kubeops_cli_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  created.push(name);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

function kubeops(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync('node', ['--conditions=development', '--import', 'tsx', main, ...args], {
    cwd: repo,
    encoding: 'utf8',
    input,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    timeout: 120_000,
  });
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('kubeops backup and kubeops restore', () => {
  it('back up one installation and restore it onto an empty database, refusing a second restore', async () => {
    const objects = mkdtempSync(join(tmpdir(), 'kubeops-cli-objects-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-cli-data-'));
    dirs.push(objects, dataDir);
    const common = {
      KUBEOPS_DATA_DIR: dataDir,
      KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      KUBEOPS_STORAGE_TYPE: 'local',
      KUBEOPS_STORAGE_LOCAL_PATH: objects,
      KUBEOPS_LOG_LEVEL: 'warn',
    };
    const source = { ...common, KUBEOPS_DATABASE_URL: await scratchDatabaseUrl() };
    const user = kubeops(
      ['admin', 'create-user', 'grace', '--password-stdin', '--role', 'viewer'],
      source,
      'a long enough password',
    );
    expect(user.stderr).toBe('');
    expect(user.status).toBe(0);

    const backup = kubeops(['backup'], source);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    const id = /backup (\S+) written to file:\/\//.exec(backup.stdout)?.[1];
    expect(id).toBeDefined();
    expect(backup.stdout).toMatch(/^users\t1$/m);

    const list = kubeops(['backup', '--list'], source);
    expect(list.stdout).toContain(`${id}\t`);

    const target = { ...common, KUBEOPS_DATABASE_URL: await scratchDatabaseUrl() };
    const restore = kubeops(['restore'], target);
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toContain(`backup ${id} restored`);
    expect(restore.stdout).toMatch(/^users\t1$/m);
    const db = new pg.Client({ connectionString: target.KUBEOPS_DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(
      `SELECT u.username, b.role FROM users u JOIN role_bindings b ON b.subject = u.id`,
    );
    await db.end();
    expect(rows).toEqual([{ username: 'grace', role: 'viewer' }]);

    const again = kubeops(['restore', id!], target);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds KubeOps data: .*users \(1 row\).*--force/);

    const missing = kubeops(['restore', 'no-such-backup'], target);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no backup no-such-backup');
    // Six runs of the program, each starting Node and tsx: minutes on a loaded machine.
  }, 300_000);
});
