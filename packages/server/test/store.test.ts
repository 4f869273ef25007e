import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerContext } from '../src/context.js';
import { migrate, pendingMigrations, type MigrationSet } from '../src/store/migrate.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { openDatabase } from '../src/store/open.js';
import {
  BACKENDS,
  testContext,
  testEnvironment,
  type TestEnvironment,
} from './support/backends.js';

const ALL_MIGRATIONS = MIGRATIONS.flatMap((set) =>
  set.migrations.map((m) => `${set.module}/${m.version}`),
).sort();

describe.each(BACKENDS)('storage on %s', (backend) => {
  let env: TestEnvironment;
  let ctx: ServerContext;

  beforeAll(async () => {
    env = testEnvironment(backend);
    ctx = await testContext(env.config(), { bootstrap: false });
  });
  afterAll(async () => {
    await ctx?.lifecycle.close();
    await env?.cleanup();
  });

  it('applies every migration once and records it', async () => {
    expect(await pendingMigrations(ctx.db, MIGRATIONS)).toEqual([]);
    const again = await migrate(ctx.db, MIGRATIONS);
    expect(again.applied).toEqual([]);
    const { rows } = await ctx.db.query<{ module: string; version: number }>(
      'SELECT module, version FROM kubeops_migrations',
    );
    expect(rows.map((r) => `${r.module}/${r.version}`).sort()).toEqual(ALL_MIGRATIONS);
  });

  it('applies a new module set in version order', async () => {
    const extra: MigrationSet = {
      module: 'example',
      migrations: [
        { version: 2, name: 'fill', sql: "INSERT INTO example_things (name) VALUES ('b');" },
        {
          version: 1,
          name: 'create',
          sql: "CREATE TABLE example_things (name text); INSERT INTO example_things VALUES ('a');",
        },
      ],
    };
    expect(await pendingMigrations(ctx.db, [extra])).toEqual([
      'example/2_fill',
      'example/1_create',
    ]);
    const report = await migrate(ctx.db, [extra]);
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    const { rows } = await ctx.db.query<{ name: string }>(
      'SELECT name FROM example_things ORDER BY name',
    );
    expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('rolls back a failed transaction completely', async () => {
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query("INSERT INTO settings (key, value) VALUES ('rollback.test', '1')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await ctx.db.query("SELECT 1 FROM settings WHERE key = 'rollback.test'");
    expect(rows).toHaveLength(0);
  });

  it('keeps the audit log append-only', async () => {
    await ctx.audit.record({ action: 'test.append_only', result: 'success', actor: 'tester' });
    await expect(ctx.db.query("UPDATE audit_log SET actor = 'mallory'")).rejects.toThrow(
      /append-only/,
    );
    await expect(ctx.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(ctx.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    const page = await ctx.audit.query({ action: 'test.append_only' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.actor).toBe('tester');
  });

  it('lets only the retention job remove entries, and only old ones', async () => {
    // The trigger refuses to update rows, so an old row is inserted with an old time directly.
    await ctx.db.query(
      "INSERT INTO audit_log (time, action, result) VALUES (now() - interval '400 days', 'test.old', 'success')",
    );
    await ctx.audit.record({ action: 'test.recent', result: 'success' });
    const { removed } = await ctx.audit.applyRetention(365);
    expect(removed).toBe(1);
    expect((await ctx.audit.query({ action: 'test.old' })).items).toHaveLength(0);
    expect((await ctx.audit.query({ action: 'test.recent' })).items).toHaveLength(1);
    // Even the retention setting cannot remove entries younger than a day.
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query("SELECT set_config('kubeops.audit_retention', 'on', true)");
        await tx.query("DELETE FROM audit_log WHERE action = 'test.recent'");
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('pages through the audit log with a cursor and filters', async () => {
    for (let i = 0; i < 7; i++) {
      await ctx.audit.record({
        action: `test.page.${i % 2 ? 'odd' : 'even'}`,
        result: 'success',
        target: { cluster: 'c1', namespace: `ns${i}` },
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ctx.audit.query({
        action: 'test.page.*',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((e) => e.target.namespace ?? ''));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['ns6', 'ns5', 'ns4', 'ns3', 'ns2', 'ns1', 'ns0']);
    const odd = await ctx.audit.query({ action: 'test.page.odd', cluster: 'c1' });
    expect(odd.items.map((e) => e.target.namespace)).toEqual(['ns5', 'ns3', 'ns1']);
  });
});

describe('migrations on PostgreSQL', () => {
  it('are applied exactly once when several processes start at once', async () => {
    const env = testEnvironment('postgres');
    const config = env.config();
    const databases = await Promise.all([1, 2, 3].map(() => openDatabase(config)));
    try {
      const reports = await Promise.all(databases.map((db) => migrate(db, MIGRATIONS)));
      const applied = reports
        .flatMap((r) => r.applied.map((m) => `${m.module}/${m.version}`))
        .sort();
      expect(applied).toEqual(ALL_MIGRATIONS);
    } finally {
      await Promise.all(databases.map((db) => db.close()));
      await env.cleanup();
    }
  });
});
