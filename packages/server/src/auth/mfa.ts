import { randomBytes } from 'node:crypto';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { KubeOpsError } from '../core/errors.js';
import { base32Encode, generateTotpSecret, matchTotp, otpauthUrl } from './totp.js';
import { MfaChallengeStore } from './mfa-challenges.js';
import { hashToken } from './sessions.js';
import type { UserRecord, UserStore } from './users.js';

const RECOVERY_CODE_COUNT = 10;
const secretName = (userId: string) => `users/${userId}/totp`;
const pendingName = (userId: string) => `users/${userId}/totp-pending`;
const normalise = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

/** TOTP enrolment and verification, with one-time recovery codes. */
export class MfaService {
  /** Step tokens between the password and the second factor. */
  readonly challenges: MfaChallengeStore;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly users: UserStore,
  ) {
    this.challenges = new MfaChallengeStore(db);
  }

  /** Starts enrolment: the secret is kept pending until the user proves their app produces codes. */
  async begin(user: UserRecord): Promise<{ secret: string; otpauthUrl: string }> {
    if (user.mfaEnabled) {
      throw new KubeOpsError(
        'mfa_already_enabled',
        409,
        'MFA is already enabled; disable it first to enrol a new device',
      );
    }
    const secret = generateTotpSecret();
    await this.secrets.put(pendingName(user.id), secret);
    return { secret, otpauthUrl: otpauthUrl(secret, user.username) };
  }

  /** Finishes enrolment with a code from the app; returns the recovery codes (shown once). */
  async confirm(user: UserRecord, code: string): Promise<string[]> {
    const pending = await this.secrets.getString(pendingName(user.id));
    if (!pending) {
      throw new KubeOpsError(
        'mfa_not_started',
        409,
        'Start enrolment first (POST /api/v1/me/mfa/totp)',
      );
    }
    const step = matchTotp(pending, code);
    if (step === undefined) {
      throw new KubeOpsError(
        'mfa_code_invalid',
        400,
        'code: does not match; check the device clock and try again',
        {
          details: { field: 'body.code' },
        },
      );
    }
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      base32Encode(randomBytes(10)).slice(0, 16),
    );
    await this.db.transaction(async (tx) => {
      await this.secrets.put(secretName(user.id), pending, tx);
      await this.secrets.delete(pendingName(user.id), tx);
      await tx.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [user.id]);
      for (const c of codes) {
        await tx.query('INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)', [
          user.id,
          hashToken(c),
        ]);
      }
      await this.users.setMfa(user.id, true, tx);
    });
    await this.users.claimTotpStep(user.id, step);
    return codes.map((c) => `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8, 12)}-${c.slice(12)}`);
  }

  /** True when the TOTP code (not replayed) or an unused recovery code is right. */
  async verify(
    user: UserRecord,
    proof: { code?: string | undefined; recoveryCode?: string | undefined },
  ): Promise<boolean> {
    if (proof.code) {
      const secret = await this.secrets.getString(secretName(user.id));
      const step = secret ? matchTotp(secret, proof.code) : undefined;
      return step !== undefined && (await this.users.claimTotpStep(user.id, step));
    }
    if (proof.recoveryCode) {
      const { rowCount } = await this.db.query(
        `UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
        [user.id, hashToken(normalise(proof.recoveryCode))],
      );
      return rowCount > 0;
    }
    return false;
  }

  async disable(userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.secrets.delete(secretName(userId), tx);
      await this.secrets.delete(pendingName(userId), tx);
      await tx.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
      await this.users.setMfa(userId, false, tx);
    });
  }
}
