import type { Database, Queryable } from '../store/database.js';
import { KubeOpsError } from '../core/errors.js';
import { keyIdOf, type Keyring } from './keyring.js';

const CHECK_PLAINTEXT = 'kubeops-encryption-key-check';
const CHECK_CONTEXT = 'encryption-key-check';

/**
 * Named secrets encrypted at rest (cluster credentials, provider keys, signing
 * keys). Modules keep only the name (e.g. `clusters/<id>/kubeconfig`) in their
 * own tables, so a key rotation can find and re-encrypt every secret here.
 */
export class SecretBox {
  constructor(
    private readonly db: Database,
    private keyring: Keyring,
  ) {}

  get primaryKeyId(): string {
    return this.keyring.primary.id;
  }

  async put(name: string, value: Buffer | string, tx: Queryable = this.db): Promise<void> {
    const envelope = this.keyring.seal(value, name);
    await tx.query(
      `INSERT INTO secrets (name, key_id, envelope) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET key_id = EXCLUDED.key_id, envelope = EXCLUDED.envelope, updated_at = now()`,
      [name, this.keyring.primary.id, envelope],
    );
  }

  /** Stores `value` unless a secret of that name exists; returns whichever is stored. */
  async putIfAbsent(name: string, value: Buffer | string): Promise<Buffer> {
    await this.db.query(
      `INSERT INTO secrets (name, key_id, envelope) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
      [name, this.keyring.primary.id, this.keyring.seal(value, name)],
    );
    const stored = await this.get(name);
    if (!stored)
      throw new KubeOpsError('internal', 500, `secret ${name} vanished while being created`);
    return stored;
  }

  async get(name: string, tx: Queryable = this.db): Promise<Buffer | undefined> {
    const { rows } = await tx.query<{ envelope: string }>(
      'SELECT envelope FROM secrets WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row ? this.keyring.open(row.envelope, name) : undefined;
  }

  async getString(name: string, tx?: Queryable): Promise<string | undefined> {
    return (await this.get(name, tx))?.toString('utf8');
  }

  async delete(name: string, tx: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await tx.query('DELETE FROM secrets WHERE name = $1', [name]);
    return rowCount > 0;
  }

  /** Deletes every secret under a prefix, e.g. `clusters/<id>/`. */
  async deletePrefix(prefix: string, tx: Queryable = this.db): Promise<number> {
    const { rowCount } = await tx.query(`DELETE FROM secrets WHERE starts_with(name, $1)`, [
      prefix,
    ]);
    return rowCount;
  }

  /**
   * Refuses to start with a key that cannot read what is stored: each
   * configured key must open its stored check value, and every key id a
   * secret is sealed with must be configured.
   */
  async verify(): Promise<void> {
    const { rows: checks } = await this.db.query<{ key_id: string; check_envelope: string }>(
      'SELECT key_id, check_envelope FROM encryption_keys',
    );
    for (const check of checks) {
      if (!this.keyring.has(check.key_id)) continue;
      let plaintext: string;
      try {
        plaintext = this.keyring.open(check.check_envelope, CHECK_CONTEXT).toString('utf8');
      } catch {
        plaintext = '';
      }
      if (plaintext !== CHECK_PLAINTEXT) throw wrongKey([check.key_id]);
    }
    const { rows: used } = await this.db.query<{ key_id: string }>(
      'SELECT DISTINCT key_id FROM secrets',
    );
    const missing = used.map((r) => r.key_id).filter((id) => !this.keyring.has(id));
    if (missing.length > 0) throw wrongKey(missing);
    await this.db.query(
      'INSERT INTO encryption_keys (key_id, check_envelope) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING',
      [this.keyring.primary.id, this.keyring.seal(CHECK_PLAINTEXT, CHECK_CONTEXT)],
    );
  }

  /**
   * Re-encrypts every secret sealed under a non-primary key, a batch per
   * transaction (rows locked with SKIP LOCKED so writers are never blocked
   * long). Readers keep working throughout because the ring opens both keys.
   */
  async reencryptAll(batchSize = 100, onBatch?: (done: number) => void): Promise<number> {
    const primary = this.keyring.primary.id;
    let total = 0;
    for (;;) {
      const count = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ name: string; envelope: string }>(
          `SELECT name, envelope FROM secrets WHERE key_id <> $1 ORDER BY name LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [primary, batchSize],
        );
        for (const row of rows) {
          const plaintext = this.keyring.open(row.envelope, row.name);
          await tx.query(
            'UPDATE secrets SET key_id = $2, envelope = $3, updated_at = now() WHERE name = $1',
            [row.name, primary, this.keyring.seal(plaintext, row.name)],
          );
        }
        return rows.length;
      });
      if (count === 0) break;
      total += count;
      onBatch?.(total);
    }
    await this.db.query(
      `DELETE FROM encryption_keys WHERE key_id <> $1 AND key_id NOT IN (SELECT DISTINCT key_id FROM secrets)`,
      [primary],
    );
    return total;
  }

  /** Swaps in a new keyring (after the key file or config changed), verifying it first. */
  async useKeyring(keyring: Keyring): Promise<void> {
    const previous = this.keyring;
    this.keyring = keyring;
    try {
      await this.verify();
    } catch (error) {
      this.keyring = previous;
      throw error;
    }
  }
}

function wrongKey(keyIds: string[]): KubeOpsError {
  return new KubeOpsError(
    'wrong_encryption_key',
    500,
    `The configured encryption key cannot read the stored secrets (sealed with key ${keyIds.join(', ')}). ` +
      'Set KUBEOPS_ENCRYPTION_KEY to the key they were stored with, or add it to encryption.previousKeys while rotating.',
    { details: { keyIds } },
  );
}

export { keyIdOf };
