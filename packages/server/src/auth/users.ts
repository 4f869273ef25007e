import { createHash } from 'node:crypto';
import type { User } from '@kubeops/contracts';
import type { Database, Queryable } from '../store/database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../store/database.js';
import { conflict, KubeOpsError, notFound } from '../core/errors.js';
import { hashPassword } from './passwords.js';

export interface UserRecord extends User {
  passwordHash: string | null;
  oidcSubject: string | null;
  totpLastStep: number | null;
  /** Signed in with a password someone else chose (the generated first one): change it before anything else. */
  passwordChangeRequired: boolean;
}

type Row = {
  id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  source: 'local' | 'oidc';
  oidc_subject: string | null;
  password_hash: string | null;
  groups: string[];
  disabled: boolean;
  mfa_enabled: boolean;
  mfa_required: boolean;
  totp_last_step: string | null;
  password_change_required: boolean;
  created_at: Date;
};

const COLUMNS = `id, username, display_name, email, source, oidc_subject, password_hash, groups, disabled,
  mfa_enabled, mfa_required, totp_last_step::text AS totp_last_step, password_change_required, created_at`;

const toRecord = (row: Row): UserRecord => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  email: row.email,
  source: row.source,
  groups: row.groups ?? [],
  disabled: row.disabled,
  mfaEnabled: row.mfa_enabled,
  mfaRequired: row.mfa_required,
  createdAt: new Date(row.created_at).toISOString(),
  passwordHash: row.password_hash,
  oidcSubject: row.oidc_subject,
  totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
  passwordChangeRequired: row.password_change_required,
});

/** The public view of a user: never the password hash. */
export const publicUser = (user: UserRecord): User => ({
  id: user.id,
  username: user.username,
  displayName: user.displayName,
  email: user.email,
  source: user.source,
  groups: user.groups,
  disabled: user.disabled,
  mfaEnabled: user.mfaEnabled,
  mfaRequired: user.mfaRequired,
  createdAt: user.createdAt,
});

export interface NewUser {
  username: string;
  password?: string;
  displayName?: string | undefined;
  email?: string | undefined;
  groups?: string[] | undefined;
  source?: 'local' | 'oidc';
  oidcSubject?: string;
  passwordChangeRequired?: boolean;
}

export class UserStore {
  constructor(private readonly db: Database) {}

  private async one(
    where: string,
    value: unknown,
    tx: Queryable = this.db,
  ): Promise<UserRecord | undefined> {
    const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM users WHERE ${where} = $1`, [
      value,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  byId = (id: string, tx?: Queryable) => this.one('id', id, tx);
  byUsername = (username: string, tx?: Queryable) => this.one('username', username, tx);
  byOidcSubject = (subject: string) => this.one('oidc_subject', subject);

  async require(id: string): Promise<UserRecord> {
    const user = await this.byId(id);
    if (!user) throw notFound('user', id);
    return user;
  }

  async list(): Promise<UserRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM users ORDER BY username`);
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return rows[0]?.n ?? 0;
  }

  async create(user: NewUser, tx: Queryable = this.db): Promise<UserRecord> {
    const passwordHash = user.password === undefined ? null : await hashPassword(user.password);
    try {
      const { rows } = await tx.query<Row>(
        `INSERT INTO users (username, display_name, email, groups, source, oidc_subject, password_hash, password_change_required)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          user.username,
          user.displayName ?? null,
          user.email ?? null,
          user.groups ?? [],
          user.source ?? 'local',
          user.oidcSubject ?? null,
          passwordHash,
          user.passwordChangeRequired ?? false,
        ],
      );
      return toRecord(rows[0]!);
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) {
        throw conflict(`A user named ${user.username} already exists`, { field: 'username' });
      }
      throw error;
    }
  }

  async update(
    id: string,
    changes: Partial<
      Pick<UserRecord, 'displayName' | 'email' | 'groups' | 'disabled' | 'mfaRequired'>
    >,
  ): Promise<UserRecord> {
    const columns: Record<string, unknown> = {
      display_name: changes.displayName,
      email: changes.email,
      groups: changes.groups,
      disabled: changes.disabled,
      mfa_required: changes.mfaRequired,
    };
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const [column, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    if (sets.length > 0) {
      await this.db.query(
        `UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
        values,
      );
    }
    return this.require(id);
  }

  /** Sets a password; one the user chose themselves ends any forced change. */
  async setPassword(id: string, password: string): Promise<void> {
    const { rowCount } = await this.db.query(
      'UPDATE users SET password_hash = $2, password_change_required = false, updated_at = now() WHERE id = $1',
      [id, await hashPassword(password)],
    );
    if (rowCount === 0) throw notFound('user', id);
  }

  async setMfa(id: string, enabled: boolean, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      'UPDATE users SET mfa_enabled = $2, totp_last_step = NULL, updated_at = now() WHERE id = $1',
      [id, enabled],
    );
  }

  /** Records a used TOTP step; false when that step (or a later one) was already used. */
  async claimTotpStep(id: string, step: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
      [id, step],
    );
    return rowCount > 0;
  }

  /** OIDC users are created on first sign-in and their groups follow the provider's claims. */
  async upsertOidc(
    subject: string,
    username: string,
    claims: { displayName?: string | undefined; email?: string | undefined; groups: string[] },
  ): Promise<UserRecord> {
    const existing = await this.byOidcSubject(subject);
    if (existing) {
      await this.db.query(
        `UPDATE users SET groups = $2, display_name = coalesce($3, display_name), email = coalesce($4, email), updated_at = now() WHERE id = $1`,
        [existing.id, claims.groups, claims.displayName ?? null, claims.email ?? null],
      );
      return this.require(existing.id);
    }
    // The username is only a display name for an OIDC user (the cluster knows
    // them by issuer and sub), but it is unique here: a second provider user
    // with the same preferred_username, or one named like a local user, gets
    // the name with a suffix derived from their subject instead of failing.
    const suffix = createHash('sha256').update(subject).digest('hex');
    for (const candidate of [
      username,
      `${username}-${suffix.slice(0, 6)}`,
      `oidc-${suffix.slice(0, 16)}`,
    ]) {
      try {
        return await this.create({
          username: candidate,
          source: 'oidc',
          oidcSubject: subject,
          displayName: claims.displayName,
          email: claims.email,
          groups: claims.groups,
        });
      } catch (error) {
        if (!(error instanceof KubeOpsError && error.code === 'conflict')) throw error;
        // The same subject signing in twice at once: the other request created it.
        const raced = await this.byOidcSubject(subject);
        if (raced) return raced;
      }
    }
    throw conflict(`No free username for the single sign-on user ${username}`, {
      field: 'username',
    });
  }
}
