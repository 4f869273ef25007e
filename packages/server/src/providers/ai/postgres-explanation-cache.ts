import type { Database } from '../../store/database.js';
import {
  DEFAULT_CACHE_TTL_MS,
  type CacheScope,
  type CachedExplanation,
  type ExplanationCache,
} from './explanation-cache.js';

/**
 * The explanation cache in the server's database (table ai_explanations,
 * created by the "ai" migrations), shared by every replica of the inspector.
 */
export class PostgresExplanationCache implements ExplanationCache {
  readonly #db: Database;
  readonly #ttlSeconds: number;

  constructor(db: Database, options: { ttlMs?: number } = {}) {
    this.#db = db;
    this.#ttlSeconds = Math.max(1, Math.round((options.ttlMs ?? DEFAULT_CACHE_TTL_MS) / 1000));
  }

  async getMany(
    fingerprints: string[],
    scope: CacheScope,
  ): Promise<Map<string, CachedExplanation>> {
    const found = new Map<string, CachedExplanation>();
    if (fingerprints.length === 0) return found;
    const { rows } = await this.#db.query<{
      fingerprint: string;
      explanation: CachedExplanation | string;
    }>(
      `SELECT fingerprint, explanation FROM ai_explanations
        WHERE model = $1 AND prompt_version = $2 AND fingerprint = ANY($3::text[])
          AND created_at > now() - $4::int * interval '1 second'`,
      [scope.model, scope.promptVersion, [...new Set(fingerprints)], this.#ttlSeconds],
    );
    for (const row of rows)
      found.set(
        row.fingerprint,
        typeof row.explanation === 'string'
          ? (JSON.parse(row.explanation) as CachedExplanation)
          : row.explanation,
      );
    return found;
  }

  async setMany(entries: Map<string, CachedExplanation>, scope: CacheScope): Promise<void> {
    if (entries.size === 0) return;
    await this.#db.transaction(async (tx) => {
      for (const [fingerprint, explanation] of entries)
        await tx.query(
          `INSERT INTO ai_explanations (fingerprint, model, prompt_version, explanation)
           VALUES ($1, $2, $3, $4::jsonb)
           ON CONFLICT (fingerprint, model, prompt_version)
           DO UPDATE SET explanation = EXCLUDED.explanation, created_at = now()`,
          [fingerprint, scope.model, scope.promptVersion, JSON.stringify(explanation)],
        );
    });
  }

  /** Deletes expired answers; returns how many. */
  async prune(): Promise<number> {
    const { rowCount } = await this.#db.query(
      `DELETE FROM ai_explanations WHERE created_at <= now() - $1::int * interval '1 second'`,
      [this.#ttlSeconds],
    );
    return rowCount;
  }
}
