import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerContext } from '../src/context.js';
import { keyFilePath } from '../src/secrets/key-file.js';
import { rotateEncryptionKey } from '../src/secrets/rotation.js';
import {
  BACKENDS,
  testContext,
  testEnvironment,
  type TestEnvironment,
} from './support/backends.js';

const newKey = () => randomBytes(32).toString('base64');

describe.each(BACKENDS)('secrets at rest on %s', (backend) => {
  let env: TestEnvironment;
  let ctx: ServerContext;
  const originalKey = newKey();
  const keyConfig = (key: string, previousKeys: string[] = []) =>
    backend === 'postgres' ? { encryption: { key, previousKeys } } : {};

  beforeAll(async () => {
    env = testEnvironment(backend);
    ctx = await testContext(env.config(keyConfig(originalKey)), { bootstrap: false });
  });
  afterAll(async () => {
    await ctx?.lifecycle.close();
    await env?.cleanup();
  });

  it('stores secrets encrypted and reads them back', async () => {
    await ctx.secrets.put('clusters/c1/token', 'super-secret-token');
    expect(await ctx.secrets.getString('clusters/c1/token')).toBe('super-secret-token');
    const { rows } = await ctx.db.query<{ envelope: string }>(
      "SELECT envelope FROM secrets WHERE name = 'clusters/c1/token'",
    );
    expect(rows[0]?.envelope).toMatch(/^k1\./);
    expect(rows[0]?.envelope).not.toContain('super-secret');
    expect(Buffer.from(rows[0]!.envelope.split('.')[3]!, 'base64url').toString()).not.toContain(
      'super-secret',
    );
  });

  it('refuses an envelope moved to another secret name', async () => {
    await ctx.secrets.put('providers/a/key', 'value-a');
    await ctx.db.query(
      `INSERT INTO secrets (name, key_id, envelope) SELECT 'providers/b/key', key_id, envelope FROM secrets WHERE name = 'providers/a/key'`,
    );
    await expect(ctx.secrets.get('providers/b/key')).rejects.toMatchObject({
      code: 'secret_undecryptable',
    });
    await ctx.secrets.delete('providers/b/key');
  });

  it('refuses an envelope whose authentication tag was cut short', async () => {
    // An empty secret's envelope body is the 16-byte tag alone; GCM without a
    // fixed tag length would accept its first 8 bytes as a valid shorter tag.
    await ctx.secrets.put('providers/empty/key', '');
    expect(await ctx.secrets.getString('providers/empty/key')).toBe('');
    const { rows } = await ctx.db.query<{ envelope: string }>(
      "SELECT envelope FROM secrets WHERE name = 'providers/empty/key'",
    );
    const parts = rows[0]!.envelope.split('.');
    for (const keep of [12, 8, 4]) {
      const tag = Buffer.from(parts[3]!, 'base64url').subarray(0, keep);
      const truncated = [...parts.slice(0, 3), tag.toString('base64url')].join('.');
      await ctx.db.query("UPDATE secrets SET envelope = $1 WHERE name = 'providers/empty/key'", [
        truncated,
      ]);
      await expect(ctx.secrets.get('providers/empty/key')).rejects.toMatchObject({
        code: 'secret_undecryptable',
      });
    }
    await ctx.secrets.delete('providers/empty/key');
  });

  if (backend === 'postgres') {
    it('stops at start with a clear error when the key is wrong', async () => {
      await ctx.lifecycle.close();
      await expect(
        testContext(env.config(keyConfig(newKey())), { bootstrap: false }),
      ).rejects.toMatchObject({
        code: 'wrong_encryption_key',
        message: expect.stringContaining('KUBEOPS_ENCRYPTION_KEY'),
      });
      ctx = await testContext(env.config(keyConfig(originalKey)), { bootstrap: false });
    });

    it('rotates to a new key while the old one stays readable, then works without it', async () => {
      for (let i = 0; i < 25; i++) await ctx.secrets.put(`bulk/${i}`, `value-${i}`);
      await ctx.lifecycle.close();
      const next = newKey();
      // Step 1: every replica runs with the new key and the old one as previous: reads both.
      ctx = await testContext(env.config(keyConfig(next, [originalKey])), { bootstrap: false });
      expect(await ctx.secrets.getString('bulk/3')).toBe('value-3');
      const batches: number[] = [];
      const result = await rotateEncryptionKey(ctx.config, ctx.secrets, 10, (n) => batches.push(n));
      expect(result.reencrypted).toBeGreaterThanOrEqual(26);
      expect(batches.length).toBeGreaterThanOrEqual(3);
      await ctx.lifecycle.close();
      // Step 2: the old key is gone and everything still opens.
      ctx = await testContext(env.config(keyConfig(next)), { bootstrap: false });
      expect(await ctx.secrets.getString('bulk/24')).toBe('value-24');
      expect(await ctx.secrets.getString('clusters/c1/token')).toBe('super-secret-token');
      await ctx.lifecycle.close();
      // And the original key alone no longer starts.
      await expect(
        testContext(env.config(keyConfig(originalKey)), { bootstrap: false }),
      ).rejects.toMatchObject({
        code: 'wrong_encryption_key',
      });
      ctx = await testContext(env.config(keyConfig(next)), { bootstrap: false });
    });
  } else {
    it('generates the key into the data directory, readable by the owner only', () => {
      const mode = statSync(keyFilePath(env.dataDir)).mode & 0o777;
      expect(mode).toBe(0o600);
      expect(
        Buffer.from(readFileSync(keyFilePath(env.dataDir), 'utf8').trim(), 'base64'),
      ).toHaveLength(32);
    });

    it('rotates the embedded key and keeps every secret readable after a restart', async () => {
      const before = readFileSync(keyFilePath(env.dataDir), 'utf8');
      const result = await rotateEncryptionKey(ctx.config, ctx.secrets, 1);
      expect(result.generated).toBe(true);
      expect(result.reencrypted).toBeGreaterThanOrEqual(2);
      const after = readFileSync(keyFilePath(env.dataDir), 'utf8');
      expect(after).not.toBe(before);
      expect(after.trim().split('\n')).toHaveLength(1);
      await ctx.lifecycle.close();
      ctx = await testContext(env.config(), { bootstrap: false });
      expect(await ctx.secrets.getString('clusters/c1/token')).toBe('super-secret-token');
    });
  }
});
