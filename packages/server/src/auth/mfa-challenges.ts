import { randomUUID } from 'node:crypto';
import type { Database } from '../store/database.js';

/** Wrong codes one MFA step token survives; the next sign-in needs the password again. */
export const MFA_ATTEMPTS_PER_CHALLENGE = 5;

export type ChallengeAttempt = 'open' | 'spent';

/**
 * The server-side half of an MFA step token. The signed token alone could be
 * replayed and retried until it expires; its row here is spent by the first
 * success and burnt after MFA_ATTEMPTS_PER_CHALLENGE wrong codes.
 */
export class MfaChallengeStore {
  constructor(private readonly db: Database) {}

  async open(userId: string, ttlSeconds: number): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO mfa_challenges (id, user_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 second')`,
      [id, userId, ttlSeconds],
    );
    // Old rows are only kept until they could no longer be used anyway.
    await this.db.query(`DELETE FROM mfa_challenges WHERE expires_at < now() - interval '1 hour'`);
    return id;
  }

  /** Counts one attempt; 'spent' when the challenge is unknown, used, burnt or expired. */
  async attempt(id: string, userId: string): Promise<ChallengeAttempt> {
    const { rowCount } = await this.db.query(
      `UPDATE mfa_challenges SET attempts = attempts + 1
       WHERE id = $1 AND user_id = $2 AND consumed_at IS NULL AND expires_at > now() AND attempts < $3`,
      [id, userId, MFA_ATTEMPTS_PER_CHALLENGE],
    );
    return rowCount > 0 ? 'open' : 'spent';
  }

  /** Spends the challenge; false when a concurrent request spent it first. */
  async consume(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE mfa_challenges SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL`,
      [id],
    );
    return rowCount > 0;
  }

  /** After a wrong code: burns the challenge once its attempts are used up. */
  async burnIfExhausted(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE mfa_challenges SET consumed_at = now()
       WHERE id = $1 AND consumed_at IS NULL AND attempts >= $2`,
      [id, MFA_ATTEMPTS_PER_CHALLENGE],
    );
    return rowCount > 0;
  }
}
