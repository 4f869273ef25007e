import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { loadConfig } from '../src/core/config.js';
import { Keyring } from '../src/secrets/keyring.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { migrate } from '../src/store/migrate.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { openDatabase } from '../src/store/open.js';

const repo = resolve(import.meta.dirname, '../../..');
const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('base64');
const suffix = Date.now().toString(36);
const migrated = `doctor_${suffix}`;
const empty = `doctor_empty_${suffix}`;

function databaseUrl(name: string): string {
  const url = new URL(process.env.KUBEOPS_TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `kubeops doctor` as a user runs it, with only this environment. */
function doctor(env: Record<string, string>) {
  const result = spawnSync(
    'node',
    ['--conditions=development', '--import', 'tsx', 'packages/server/src/cli/main.ts', 'doctor'],
    {
      cwd: repo,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KUBEOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'kubeops-doctor-')),
        ...env,
      },
    },
  );
  return { status: result.status, out: result.stdout + result.stderr };
}

describe('kubeops doctor', () => {
  const admin = new pg.Client({ connectionString: process.env.KUBEOPS_TEST_DATABASE_URL });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${migrated}"`);
    await admin.query(`CREATE DATABASE "${empty}"`);
    // A database KubeOps has run on: migrated, with a credential sealed under key A.
    const config = loadConfig({
      env: { KUBEOPS_DATABASE_URL: databaseUrl(migrated), KUBEOPS_ENCRYPTION_KEY: keyA },
    });
    const db = await openDatabase(config);
    await migrate(db, MIGRATIONS);
    const box = new SecretBox(db, Keyring.fromBase64(keyA));
    await box.verify();
    await box.put('cluster/probe', 'sealed');
    await db.close();
  }, 120_000);
  afterAll(async () => {
    for (const name of [migrated, empty]) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
  });

  it('says every configured part answers, and exits 0', () => {
    const { status, out } = doctor({
      KUBEOPS_DATABASE_URL: databaseUrl(migrated),
      KUBEOPS_ENCRYPTION_KEY: keyA,
      KUBEOPS_BUS_NATS_URL: process.env.KUBEOPS_TEST_NATS_URL!,
    });
    expect(out).toMatch(/^ok {4}database +PostgreSQL \d+/m);
    expect(out).toMatch(/^ok {4}migrations +the schema is up to date/m);
    expect(out).toMatch(/^ok {4}encryption key +opens the stored credentials/m);
    expect(out).toMatch(/^ok {4}clusters +none registered yet/m);
    expect(out).toMatch(/^ok {4}bus +NATS JetStream is reachable/m);
    expect(out).toMatch(/^ok {4}storage +file:\/\//m);
    expect(status, out).toBe(0);
  }, 150_000);

  it('names each broken part and how to fix it, and exits 1', async () => {
    const closed = await freePort();
    const { status, out } = doctor({
      KUBEOPS_DATABASE_URL: databaseUrl(migrated),
      KUBEOPS_ENCRYPTION_KEY: keyB,
      KUBEOPS_BUS_NATS_URL: `nats://127.0.0.1:${closed}`,
      KUBEOPS_METRICS_URL: `http://127.0.0.1:${closed}`,
    });
    expect(out).toMatch(
      /^FAIL {2}encryption key .*\n +fix: set encryption\.key \(KUBEOPS_ENCRYPTION_KEY\)/m,
    );
    expect(out).toMatch(/^FAIL {2}bus .*\n +fix: check bus\.nats\.url \(KUBEOPS_BUS_NATS_URL\)/m);
    expect(out).toMatch(/^FAIL {2}metrics .*ECONNREFUSED.*\n +fix: check metrics\.url/m);
    expect(out).toContain('3 problem(s) found.');
    expect(status, out).toBe(1);
  }, 150_000);

  it('sends an unmigrated database to `kubeops migrate`, and an unreachable one to its URL', async () => {
    const unmigrated = doctor({
      KUBEOPS_DATABASE_URL: databaseUrl(empty),
      KUBEOPS_ENCRYPTION_KEY: keyA,
    });
    expect(unmigrated.out).toMatch(
      /^FAIL {2}migrations +\d+ migration\(s\) not applied.*\n +fix: run `kubeops migrate`/m,
    );
    expect(unmigrated.status).toBe(1);
    const url = new URL(databaseUrl(empty));
    url.port = String(await freePort());
    const unreachable = doctor({
      KUBEOPS_DATABASE_URL: url.toString(),
      KUBEOPS_ENCRYPTION_KEY: keyA,
    });
    expect(unreachable.out).toMatch(
      /^FAIL {2}database .*\n +fix: check database\.url \(KUBEOPS_DATABASE_URL\)/m,
    );
    expect(unreachable.status).toBe(1);
  }, 240_000);
});
