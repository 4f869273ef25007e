import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../store/database.js';
import { KubeOpsError } from '../core/errors.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');

export interface SessionTokens {
  familyId: string;
  userId: string;
  refreshToken: string;
}

/**
 * Refresh-token families. Each refresh spends the presented token and issues
 * the next one in the same family; presenting a spent token means it was
 * copied, so the whole family (every device holding a descendant) is revoked.
 */
export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
  ) {}

  async start(userId: string, authMethod: string): Promise<SessionTokens> {
    const familyId = randomUUID();
    const refreshToken = newRefreshToken();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO session_families (id, user_id, auth_method, expires_at)
         VALUES ($1, $2, $3, now() + $4 * interval '1 second')`,
        [familyId, userId, authMethod, this.ttlSeconds],
      );
      await tx.query(
        `INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 second')`,
        [hashToken(refreshToken), familyId, this.ttlSeconds],
      );
    });
    return { familyId, userId, refreshToken };
  }

  async rotate(refreshToken: string): Promise<SessionTokens> {
    const next = newRefreshToken();
    const outcome = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        family_id: string;
        user_id: string;
        used: boolean;
        expired: boolean;
        revoked: boolean;
      }>(
        `SELECT t.family_id, f.user_id, t.used_at IS NOT NULL AS used,
                (t.expires_at < now() OR f.expires_at < now()) AS expired, f.revoked_at IS NOT NULL AS revoked
         FROM refresh_tokens t JOIN session_families f ON f.id = t.family_id
         WHERE t.token_hash = $1 FOR UPDATE OF t`,
        [hashToken(refreshToken)],
      );
      const row = rows[0];
      if (!row || row.expired || row.revoked) return { kind: 'invalid' as const };
      if (row.used) {
        await tx.query(
          `UPDATE session_families SET revoked_at = now(), revoked_reason = 'refresh_token_reused' WHERE id = $1`,
          [row.family_id],
        );
        return { kind: 'reused' as const, familyId: row.family_id, userId: row.user_id };
      }
      await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [
        hashToken(refreshToken),
      ]);
      await tx.query(
        `INSERT INTO refresh_tokens (token_hash, family_id, expires_at)
         SELECT $1, id, expires_at FROM session_families WHERE id = $2`,
        [hashToken(next), row.family_id],
      );
      return { kind: 'rotated' as const, familyId: row.family_id, userId: row.user_id };
    });
    if (outcome.kind === 'invalid') {
      throw new KubeOpsError('refresh_token_invalid', 401, 'The session has ended; sign in again');
    }
    if (outcome.kind === 'reused') {
      throw new KubeOpsError(
        'refresh_token_reused',
        401,
        'This refresh token was already used, so the session was revoked on every device; sign in again',
        { details: { sessionId: outcome.familyId, userId: outcome.userId } },
      );
    }
    return { familyId: outcome.familyId, userId: outcome.userId, refreshToken: next };
  }

  async revoke(familyId: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE session_families SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [familyId, reason],
    );
  }

  async revokeAllForUser(userId: string, reason: string, exceptFamilyId?: string): Promise<void> {
    await this.db.query(
      `UPDATE session_families SET revoked_at = now(), revoked_reason = $2
       WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3::text`,
      [userId, reason, exceptFamilyId ?? null],
    );
  }

  async isLive(familyId: string, userId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM session_families WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [familyId, userId],
    );
    return rows.length > 0;
  }

  /** Until when a session family lasts, if it is still live: what a long-lived connection under it may not outlive. */
  async liveUntil(familyId: string, userId: string): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ expires_at: Date }>(
      `SELECT expires_at FROM session_families WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()`,
      [familyId, userId],
    );
    return rows[0] && new Date(rows[0].expires_at);
  }

  /** The family a refresh token belongs to, so logout can end it even when the token is spent. */
  async familyOf(refreshToken: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ family_id: string }>(
      'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
      [hashToken(refreshToken)],
    );
    return rows[0]?.family_id;
  }
}
