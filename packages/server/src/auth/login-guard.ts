import type { Database } from '../store/database.js';
import { tooManyRequests } from '../core/errors.js';

type Counter = { key: string; max: number };

export interface LockoutPolicy {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

/**
 * Brute-force protection for sign-in, per account and per source IP. Counters
 * live in the database so every replica enforces the same lockout.
 */
export class LoginGuard {
  constructor(
    private readonly db: Database,
    private readonly policy: LockoutPolicy,
  ) {}

  private keys(username: string, ip: string): Counter[] {
    return [
      { key: `account:${username.toLowerCase()}`, max: this.policy.maxFailuresPerAccount },
      { key: `ip:${ip}`, max: this.policy.maxFailuresPerIp },
    ];
  }

  /**
   * Second-factor failures count apart from password failures, per account
   * (by id) and per address: a right password clears only the password
   * counter, so knowing it does not buy unlimited guesses at the code.
   */
  private mfaKeys(userId: string, ip: string): Counter[] {
    return [
      { key: `mfa:${userId}`, max: this.policy.maxFailuresPerAccount },
      { key: `ip:${ip}`, max: this.policy.maxFailuresPerIp },
    ];
  }

  /** Throws 429 with Retry-After while the account or the IP is locked. */
  check(username: string, ip: string): Promise<void> {
    return this.checkKeys(this.keys(username, ip));
  }

  checkMfa(userId: string, ip: string): Promise<void> {
    return this.checkKeys(this.mfaKeys(userId, ip));
  }

  recordFailure(username: string, ip: string): Promise<void> {
    return this.recordKeys(this.keys(username, ip));
  }

  recordMfaFailure(userId: string, ip: string): Promise<void> {
    return this.recordKeys(this.mfaKeys(userId, ip));
  }

  private async checkKeys(counters: Counter[]): Promise<void> {
    const { rows } = await this.db.query<{ key: string; retry: number }>(
      `SELECT key, ceil(extract(epoch FROM locked_until - now()))::int AS retry FROM login_failures
       WHERE key = ANY($1::text[]) AND locked_until > now() ORDER BY locked_until DESC`,
      [counters.map((k) => k.key)],
    );
    const locked = rows[0];
    if (locked) {
      const what = locked.key.startsWith('ip:') ? 'this address' : 'this account';
      throw tooManyRequests(
        'login_locked',
        `Too many failed sign-ins for ${what}; try again in ${locked.retry} seconds`,
        locked.retry,
      );
    }
  }

  private async recordKeys(counters: Counter[]): Promise<void> {
    for (const { key, max } of counters) {
      const { rows } = await this.db.query<{ failures: number }>(
        `INSERT INTO login_failures (key, failures, window_started_at) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_failures.window_started_at < now() - $2 * interval '1 second'
                           THEN 1 ELSE login_failures.failures + 1 END,
           window_started_at = CASE WHEN login_failures.window_started_at < now() - $2 * interval '1 second'
                           THEN now() ELSE login_failures.window_started_at END
         RETURNING failures`,
        [key, this.policy.windowSeconds],
      );
      if ((rows[0]?.failures ?? 0) >= max) {
        await this.db.query(
          `UPDATE login_failures SET locked_until = now() + $2 * interval '1 second', failures = 0, window_started_at = now()
           WHERE key = $1`,
          [key, this.policy.lockoutSeconds],
        );
      }
    }
  }

  /** A right password clears the account's password counter (not the IP's: one good password must not unlock a spraying address; nor the MFA one). */
  recordSuccess(username: string): Promise<void> {
    return this.clear(`account:${username.toLowerCase()}`);
  }

  /** A right second factor clears the account's MFA counter. */
  recordMfaSuccess(userId: string): Promise<void> {
    return this.clear(`mfa:${userId}`);
  }

  private async clear(key: string): Promise<void> {
    await this.db.query(
      'DELETE FROM login_failures WHERE key = $1 AND (locked_until IS NULL OR locked_until < now())',
      [key],
    );
  }
}
