import { randomBytes } from 'node:crypto';
import type { ApiToken } from '@kubeops/contracts';
import type { Database } from '../store/database.js';
import { notFound } from '../core/errors.js';
import { hashToken } from './sessions.js';

export const API_TOKEN_PREFIX = 'kop_';

type Row = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};
const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
const toToken = (r: Row): ApiToken => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  createdAt: iso(r.created_at)!,
  expiresAt: iso(r.expires_at)!,
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});
const COLUMNS = 'id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at';

/** Personal API tokens: shown once, stored as a SHA-256 hash, limited by scopes and expiry. */
export class ApiTokenStore {
  constructor(private readonly db: Database) {}

  async create(
    userId: string,
    name: string,
    scopes: string[],
    expiresInDays: number,
  ): Promise<ApiToken & { token: string }> {
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.db.query<Row>(
      `INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 day') RETURNING ${COLUMNS}`,
      [userId, name, token.slice(0, 10), hashToken(token), scopes, expiresInDays],
    );
    return { ...toToken(rows[0]!), token };
  }

  async list(userId: string): Promise<ApiToken[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`,
      [userId],
    );
    return rows.map(toToken);
  }

  async revoke(userId: string, id: string): Promise<ApiToken> {
    const { rows } = await this.db.query<Row>(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    );
    if (!rows[0]) throw notFound('API token', id);
    return toToken(rows[0]);
  }

  /** Revokes every live token of a user (their password, MFA or account changed hands). */
  async revokeAllForUser(userId: string): Promise<number> {
    const { rowCount } = await this.db.query(
      'UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    return rowCount;
  }

  /** The token's owner and scopes, if it is known, unrevoked and unexpired. */
  async authenticate(
    token: string,
  ): Promise<{ tokenId: string; userId: string; scopes: string[] } | undefined> {
    const { rows } = await this.db.query<{ id: string; user_id: string; scopes: string[] }>(
      `UPDATE api_tokens SET last_used_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
       RETURNING id, user_id, scopes`,
      [hashToken(token)],
    );
    const row = rows[0];
    return row && { tokenId: row.id, userId: row.user_id, scopes: row.scopes };
  }

  /** A token already presented once (e.g. for a WebSocket), checked again: still unrevoked and unexpired? */
  async live(
    tokenId: string,
  ): Promise<{ userId: string; scopes: string[]; expiresAt: Date } | undefined> {
    const { rows } = await this.db.query<{ user_id: string; scopes: string[]; expires_at: Date }>(
      `SELECT user_id, scopes, expires_at FROM api_tokens
       WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [tokenId],
    );
    const row = rows[0];
    return row && { userId: row.user_id, scopes: row.scopes, expiresAt: new Date(row.expires_at) };
  }
}
