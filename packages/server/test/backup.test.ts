import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups, readManifest } from '../src/backup/backup-manifest.js';
import { runScheduledBackup, scheduledBackupComponent } from '../src/backup/backup-schedule.js';
import { backupState } from '../src/backup/state-backup.js';
import { restoreState } from '../src/backup/state-restore.js';
import { quoteIdent, stateTables } from '../src/backup/state-tables.js';
import type { ServerContext } from '../src/context.js';
import { loadConfig, type Config } from '../src/core/config.js';
import { createLogger } from '../src/core/logging.js';
import { openObjectStore, readNdjsonGz, type ObjectStore } from '../src/providers/storage/index.js';
import type { Database, Queryable } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { openDatabase } from '../src/store/open.js';
import { testContext } from './support/backends.js';
import { freshStorage, type StorageType } from './support/object-storage.js';

const adminUrl = () => {
  const url = process.env.KUBEOPS_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'KUBEOPS_TEST_DATABASE_URL is not set (the vitest global setup starts PostgreSQL)',
    );
  return url;
};

/** A database of its own (PostgreSQL: a scratch database; PGlite: a directory), and its config. */
interface ScratchDatabase {
  config: Config;
  drop(): Promise<void>;
}

async function scratchDatabase(
  backend: 'postgres' | 'pglite',
  key: string,
  storage: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<ScratchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-backup-'));
  let database: Record<string, unknown> = {};
  let name: string | undefined;
  if (backend === 'postgres') {
    name = `kubeops_backup_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    database = { database: { url: url.toString(), poolSize: 4 } };
  }
  const config = loadConfig({
    env: {},
    flags: {
      dataDir,
      log: { level: 'silent' },
      encryption: { key },
      storage,
      ...database,
      ...extra,
    },
  });
  return {
    config,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      if (!name) return;
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Every table's rows as sorted JSON text: two databases with equal dumps hold the same state. */
async function dump(db: Queryable): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await stateTables(db)) {
    const { rows } = await db.query<{ line: string }>(
      `SELECT row_to_json(t)::text AS line FROM ${quoteIdent(table.name)} t`,
    );
    out[table.name] = rows.map((r) => r.line).sort();
  }
  return out;
}

/** Puts some of everything KubeOps keeps into a fresh installation. */
async function populate(ctx: ServerContext): Promise<void> {
  await ctx.settings.put('console.banner', { text: 'backed up', color: 'amber' });
  const user = await ctx.users.create({
    username: 'ada',
    password: 'correct horse battery',
    displayName: 'Ada Lovelace',
    groups: ['platform', 'ops'],
  });
  await ctx.roles.create('auditor', 'reads the audit log', ['audit:read']);
  await ctx.roles.bind({ role: 'auditor', subjectKind: 'user', subject: user.username });
  await ctx.roles.bind({ role: 'viewer', subjectKind: 'group', subject: 'ops', cluster: 'prod' });
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO clusters (name, server, source, auth_method, warnings)
     VALUES ('prod', 'https://10.0.0.1:6443', 'token', 'token', ARRAY['plain_http']) RETURNING id`,
  );
  await ctx.secrets.put(
    `clusters/${rows[0]!.id}/credentials`,
    JSON.stringify({ token: 'cluster-bearer-token' }),
  );
  const run = await ctx.db.query<{ id: string }>(
    `INSERT INTO inspection_runs (cluster, trigger, status, summary, started_at, finished_at)
     VALUES ('prod', 'manual', 'succeeded', '{"critical": 1}', now(), now()) RETURNING id::text AS id`,
  );
  await ctx.db.query(
    `INSERT INTO inspection_findings (cluster, fingerprint, rule_id, category, severity, api_version, kind,
       namespace, name, owner_kind, owner_name, title, message, evidence, remediation, status,
       first_seen_at, last_seen_at, first_run_id, last_run_id)
     VALUES ('prod', 'fp1', 'no-limits', 'reliability', 'warning', 'apps/v1', 'Deployment', 'web', 'api',
       'Deployment', 'api', 'No limits', 'Container "api" has no memory limit — 内存', '{"container": "api"}',
       '{"patch": []}', 'new', now(), now(), $1, $1)`,
    [run.rows[0]!.id],
  );
  await ctx.db.query(
    `INSERT INTO inspection_run_findings (run_id, fingerprint, status) VALUES ($1, 'fp1', 'new')`,
    [run.rows[0]!.id],
  );
  for (let i = 0; i < 1200; i++) {
    await ctx.audit.record({
      action: 'test.backup',
      result: i % 3 ? 'success' : 'denied',
      actor: 'ada',
      details: { i, note: 'ünïcode ✓' },
    });
  }
}

const CASES: Array<{ backend: 'postgres' | 'pglite'; storage: StorageType }> = [
  { backend: 'postgres', storage: 's3' },
  { backend: 'pglite', storage: 'local' },
];

describe.each(CASES)(
  'backup and restore on $backend via $storage storage',
  ({ backend, storage }) => {
    const key = randomBytes(32).toString('base64');
    let storageSettings: Record<string, unknown>;
    let source: ScratchDatabase;
    let ctx: ServerContext;
    let store: ObjectStore;
    let before: Record<string, string[]>;
    let backupId: string;
    const scratch: ScratchDatabase[] = [];

    beforeAll(async () => {
      storageSettings = (await freshStorage(storage, 'kubeops')) as unknown as Record<
        string,
        unknown
      >;
      source = await scratchDatabase(backend, key, storageSettings);
      ctx = await testContext(source.config);
      store = ctx.objects;
      await populate(ctx);
      before = await dump(ctx.db);
      backupId = (await backupState(ctx.db, store)).id;
    });
    afterAll(async () => {
      await ctx?.lifecycle.close();
      await source?.drop();
      for (const db of scratch) await db.drop();
    });

    async function emptyDatabase(): Promise<{ config: Config; db: Database }> {
      const target = await scratchDatabase(backend, key, storageSettings);
      scratch.push(target);
      return { config: target.config, db: await openDatabase(target.config) };
    }

    it('writes one gzip NDJSON object per table and a manifest with the schema version', async () => {
      expect(await listBackups(store)).toEqual([backupId]);
      const manifest = await readManifest(store, backupId);
      for (const set of MIGRATIONS)
        expect(manifest.migrations[set.module]).toEqual(
          set.migrations.map((m) => m.version).sort((a, b) => a - b),
        );
      const names = manifest.tables.map((t) => t.name);
      for (const table of [
        'settings',
        'users',
        'roles',
        'role_bindings',
        'clusters',
        'secrets',
        'encryption_keys',
        'inspection_runs',
        'inspection_findings',
        'inspection_run_findings',
        'audit_log',
      ])
        expect(names).toContain(table);
      for (const transient of [
        'refresh_tokens',
        'session_families',
        'login_failures',
        'kubeops_migrations',
      ])
        expect(names).not.toContain(transient);
      // The change history is not state to restore (and its day partitions are not tables of their own).
      expect(names.filter((n) => n.startsWith('cdc_'))).toEqual([]);
      const audit = manifest.tables.find((t) => t.name === 'audit_log')!;
      expect(audit.rows).toBe(before.audit_log!.length);
      let lines = 0;
      for await (const line of readNdjsonGz(store, audit.key)) {
        JSON.parse(line);
        lines++;
      }
      expect(lines).toBe(audit.rows);
      // Credentials travel sealed: the token is nowhere in the backup's objects.
      const secrets = manifest.tables.find((t) => t.name === 'secrets')!;
      for await (const line of readNdjsonGz(store, secrets.key))
        expect(line).not.toContain('cluster-bearer-token');
    });

    it('restores onto an empty database exactly, and the server runs on it with the same key', async () => {
      const { config, db } = await emptyDatabase();
      const report = await restoreState(db, store, undefined, MIGRATIONS);
      expect(report.id).toBe(backupId);
      expect(await dump(db)).toEqual(before);
      // New rows continue after the restored ids instead of colliding with them.
      await db.query(`INSERT INTO audit_log (action, result) VALUES ('after.restore', 'success')`);
      const { rows } = await db.query<{ max: string; mine: string }>(
        `SELECT max(id)::text AS max, (SELECT id::text FROM audit_log WHERE action = 'after.restore') AS mine FROM audit_log WHERE action <> 'after.restore'`,
      );
      expect(BigInt(rows[0]!.mine)).toBeGreaterThan(BigInt(rows[0]!.max));
      await db.close();

      const restored = await testContext(config);
      try {
        const cluster = await restored.db.query<{ id: string }>(
          `SELECT id FROM clusters WHERE name = 'prod'`,
        );
        expect(
          JSON.parse(
            (await restored.secrets.getString(`clusters/${cluster.rows[0]!.id}/credentials`))!,
          ),
        ).toEqual({ token: 'cluster-bearer-token' });
        const ada = (await restored.users.list()).find((u) => u.username === 'ada');
        expect(ada?.groups).toEqual(['platform', 'ops']);
        expect((await restored.roles.listBindings()).map((b) => b.role).sort()).toEqual(
          (await ctx.roles.listBindings()).map((b) => b.role).sort(),
        );
      } finally {
        await restored.lifecycle.close();
      }
    });

    it('refuses a database that holds data unless forced, and a forced restore keeps audit entries', async () => {
      const { db } = await emptyDatabase();
      await restoreState(db, store, backupId, MIGRATIONS);
      await db.query(`INSERT INTO settings (key, value) VALUES ('stray', '1')`);
      await db.query(`INSERT INTO audit_log (action, result) VALUES ('only.here', 'success')`);
      const refused = await restoreState(db, store, backupId, MIGRATIONS).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'database_not_empty' });
      expect((refused as Error).message).toMatch(/users \(\d+ rows?\).*--force/s);
      // Nothing changed by the refused attempt.
      expect((await db.query(`SELECT 1 FROM settings WHERE key = 'stray'`)).rows).toHaveLength(1);

      await restoreState(db, store, backupId, MIGRATIONS, { force: true });
      const after = await dump(db);
      expect(after.settings).toEqual(before.settings);
      expect(after.users).toEqual(before.users);
      expect(after.audit_log!.length).toBe(before.audit_log!.length + 1);
      await db.close();
    });

    it('refuses a backup made by a newer version and names what it lacks', async () => {
      const { db } = await emptyDatabase();
      const older = MIGRATIONS.map((set) =>
        set.module === 'core' ? { ...set, migrations: set.migrations.slice(0, -1) } : set,
      );
      await expect(restoreState(db, store, backupId, older)).rejects.toMatchObject({
        code: 'backup_too_new',
        message: expect.stringContaining(`core/${MIGRATIONS[0]!.migrations.at(-1)!.version}`),
      });
      expect((await db.query(`SELECT to_regclass('users') AS t`)).rows[0]).toEqual({ t: null });
      await db.close();
    });
  },
);

describe('scheduled backups', () => {
  let source: ScratchDatabase;
  let ctx: ServerContext;

  beforeAll(async () => {
    const storage = await freshStorage('local');
    source = await scratchDatabase('pglite', randomBytes(32).toString('base64'), storage as never, {
      backup: { schedule: '* * * * * *', keep: 2 },
    });
    ctx = await testContext(source.config);
  });
  afterAll(async () => {
    await ctx?.lifecycle.close();
    await source?.drop();
  });

  it('backs up each due time once however many replicas run the schedule, keeping the newest', async () => {
    const slot = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const [first, second] = await Promise.all([
      runScheduledBackup(ctx, slot, 'replica-a'),
      runScheduledBackup(ctx, slot, 'replica-b'),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);

    const manual = (await backupState(ctx.db, ctx.objects)).id;
    const stops = await Promise.all([
      scheduledBackupComponent.start(ctx),
      scheduledBackupComponent.start(ctx),
    ]);
    await new Promise((r) => setTimeout(r, 3_500));
    for (const stop of stops) await stop();

    const { rows } = await ctx.db.query<{
      slot: Date;
      backup_id: string | null;
      error: string | null;
    }>('SELECT slot, backup_id, error FROM backup_runs ORDER BY slot');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.error === null)).toBe(true);
    const ids = await listBackups(ctx.objects);
    // Two scheduled backups kept (backup.keep), the manual one untouched.
    expect(ids).toContain(manual);
    const kinds = await Promise.all(
      ids.map(async (id) => (await readManifest(ctx.objects, id)).trigger),
    );
    expect(kinds.filter((k) => k === 'schedule')).toHaveLength(2);
    expect(ids.filter((id) => id !== manual).sort()).toEqual(
      rows
        .map((r) => r.backup_id)
        .filter(Boolean)
        .sort()
        .slice(-2),
    );
  });
});

describe('audit archive', () => {
  let source: ScratchDatabase;
  let ctx: ServerContext;

  beforeAll(async () => {
    const storage = await freshStorage('gcs');
    source = await scratchDatabase(
      'postgres',
      randomBytes(32).toString('base64'),
      storage as never,
    );
    ctx = await testContext(source.config);
  });
  afterAll(async () => {
    await ctx?.lifecycle.close();
    await source?.drop();
  });

  it('copies expiring entries to storage before retention deletes them, and deletes nothing if the copy fails', async () => {
    for (let i = 0; i < 1500; i++) {
      await ctx.db.query(
        `INSERT INTO audit_log (time, action, result, actor) VALUES (now() - interval '400 days' + $1 * interval '1 second', 'test.old', 'success', 'ada')`,
        [i],
      );
    }
    await ctx.audit.record({ action: 'test.recent', result: 'success' });
    const { rows: old } = await ctx.db.query<{ line: string }>(
      `SELECT row_to_json(a)::text AS line FROM audit_log a WHERE action = 'test.old' ORDER BY id`,
    );

    // Storage that cannot take the copy: the entries stay.
    const broken = await openObjectStore(
      {
        ...ctx.config.storage,
        gcs: { ...ctx.config.storage.gcs, bucket: 'kubeops-no-such-bucket' },
      },
      ctx.config.dataDir,
    );
    await expect(ctx.audit.applyRetention(365, broken)).rejects.toMatchObject({
      code: 'storage_unavailable',
    });
    expect((await ctx.audit.query({ action: 'test.old', limit: 500 })).items).toHaveLength(500);

    const { removed, archivedTo } = await ctx.audit.applyRetention(365, ctx.objects);
    expect(removed).toBe(1500);
    expect(archivedTo).toMatch(/^audit\/.*\.ndjson\.gz$/);
    const archived: string[] = [];
    for await (const line of readNdjsonGz(ctx.objects, archivedTo!)) archived.push(line);
    expect(archived).toEqual(old.map((r) => r.line));
    expect((await ctx.audit.query({ action: 'test.old' })).items).toHaveLength(0);
    expect((await ctx.audit.query({ action: 'test.recent' })).items).toHaveLength(1);
  });
});

// The logger must never print storage credentials, whatever logs the config.
describe('storage credentials in logs', () => {
  it('are redacted', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.info(
      {
        config: { storage: { s3: { secretAccessKey: 's3cr3t' }, azure: { accountKey: 'azk3y' } } },
      },
      'config',
    );
    expect(lines.join('')).not.toMatch(/s3cr3t|azk3y/);
  });
});
