import type { Config } from '../core/config.js';
import { KubeOpsError, unauthenticated } from '../core/errors.js';
import type { SettingsStore } from '../store/settings.js';
import { API_TOKEN_PREFIX, type ApiTokenStore } from './api-tokens.js';
import type { Principal } from './authorizer.js';
import type { LoginGuard } from './login-guard.js';
import type { MfaService } from './mfa.js';
import { verifyPassword } from './passwords.js';
import type { SessionStore } from './sessions.js';
import type { TokenSigner } from './token-signer.js';
import type { UserRecord, UserStore } from './users.js';

export const MFA_REQUIRED_SETTING = 'auth.mfaRequired';
const MFA_TOKEN_TTL_SECONDS = 300;

export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  mfaEnrolmentRequired: boolean;
  sessionId: string;
}

export type LoginOutcome =
  | { kind: 'session'; user: UserRecord; session: IssuedSession }
  | { kind: 'mfa'; user: UserRecord; mfaToken: string };

export interface MfaChallenge {
  user: UserRecord;
  challengeId: string;
}

export interface SecondFactorProof {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

function requireProof(proof: SecondFactorProof): void {
  if (!proof.code && !proof.recoveryCode) {
    throw new KubeOpsError('invalid_request', 400, 'body.code: give a code or a recoveryCode', {
      details: { field: 'body.code' },
    });
  }
}

const mfaTokenSpent = () =>
  new KubeOpsError(
    'mfa_token_spent',
    401,
    'This sign-in step was already used or tried too often; enter the password again',
  );

const badCredentials = () =>
  new KubeOpsError('invalid_credentials', 401, 'Wrong username or password');

/** Sign-in, sessions and bearer authentication, on top of the stores. */
export class AuthService {
  constructor(
    private readonly config: Config,
    readonly users: UserStore,
    readonly sessions: SessionStore,
    readonly apiTokens: ApiTokenStore,
    readonly signer: TokenSigner,
    readonly guard: LoginGuard,
    readonly mfa: MfaService,
    private readonly settings: SettingsStore,
  ) {}

  async mfaRequiredForAll(): Promise<boolean> {
    return (await this.settings.get<boolean>(MFA_REQUIRED_SETTING)) ?? this.config.auth.mfaRequired;
  }

  /** Local users must enrol a second factor when an admin requires it; SSO users rely on their provider. */
  async mustEnrolMfa(user: UserRecord): Promise<boolean> {
    if (user.source !== 'local' || user.mfaEnabled) return false;
    return user.mfaRequired || (await this.mfaRequiredForAll());
  }

  async login(username: string, password: string, ip: string): Promise<LoginOutcome> {
    await this.guard.check(username, ip);
    const user = await this.users.byUsername(username);
    const ok = await verifyPassword(user?.source === 'local' ? user.passwordHash : null, password);
    if (!user || !ok || user.disabled) {
      await this.guard.recordFailure(username, ip);
      throw user?.disabled && ok
        ? new KubeOpsError('user_disabled', 403, 'This account is disabled')
        : badCredentials();
    }
    await this.guard.recordSuccess(username);
    if (user.mfaEnabled) {
      const challenge = await this.mfa.challenges.open(user.id, MFA_TOKEN_TTL_SECONDS);
      const mfaToken = await this.signer.sign(
        'mfa',
        user.id,
        { cid: challenge },
        MFA_TOKEN_TTL_SECONDS,
      );
      return { kind: 'mfa', user, mfaToken };
    }
    return { kind: 'session', user, session: await this.issue(user, 'password') };
  }

  /** Who an MFA step token is for (so a failed second step is audited under that user). */
  async openMfaChallenge(mfaToken: string): Promise<MfaChallenge> {
    const claims = await this.signer.verify('mfa', mfaToken);
    const user = await this.users.byId(claims.sub);
    if (!user || user.disabled) throw unauthenticated('The account is no longer available');
    return { user, challengeId: typeof claims.cid === 'string' ? claims.cid : '' };
  }

  async completeMfa(
    challenge: MfaChallenge,
    proof: SecondFactorProof,
    ip: string,
  ): Promise<{ user: UserRecord; session: IssuedSession }> {
    const { user, challengeId } = challenge;
    await this.guard.check(user.username, ip);
    await this.guard.checkMfa(user.id, ip);
    requireProof(proof);
    if ((await this.mfa.challenges.attempt(challengeId, user.id)) === 'spent')
      throw mfaTokenSpent();
    if (!(await this.mfa.verify(user, proof))) {
      await this.guard.recordMfaFailure(user.id, ip);
      const burnt = await this.mfa.challenges.burnIfExhausted(challengeId);
      throw new KubeOpsError(
        'mfa_code_invalid',
        401,
        burnt
          ? 'The verification code is wrong; too many tries with this sign-in, enter the password again'
          : 'The verification code is wrong or was already used',
        { details: { signInAgain: burnt } },
      );
    }
    if (!(await this.mfa.challenges.consume(challengeId))) throw mfaTokenSpent();
    await this.guard.recordMfaSuccess(user.id);
    return { user, session: await this.issue(user, 'password+totp') };
  }

  /**
   * Asks again for the password of a signed-in user (changing it, turning MFA
   * off): wrong answers count toward the same lockout as sign-in, so a stolen
   * session cannot guess the password without limit.
   */
  async recheckPassword(user: UserRecord, password: string, ip: string, field: string) {
    await this.guard.check(user.username, ip);
    const ok = user.source === 'local' && (await verifyPassword(user.passwordHash, password));
    if (!ok) {
      await this.guard.recordFailure(user.username, ip);
      throw new KubeOpsError('invalid_credentials', 400, `${field}: is wrong`, {
        details: { field },
      });
    }
  }

  /** Asks a signed-in user for a current TOTP or an unused recovery code, under the MFA lockout. */
  async recheckSecondFactor(user: UserRecord, proof: SecondFactorProof, ip: string) {
    await this.guard.checkMfa(user.id, ip);
    requireProof(proof);
    if (!(await this.mfa.verify(user, proof))) {
      await this.guard.recordMfaFailure(user.id, ip);
      const field = proof.code ? 'body.code' : 'body.recoveryCode';
      throw new KubeOpsError('mfa_code_invalid', 400, `${field}: is wrong or was already used`, {
        details: { field },
      });
    }
  }

  async issue(user: UserRecord, method: string): Promise<IssuedSession> {
    const { familyId, refreshToken } = await this.sessions.start(user.id, method);
    return this.accessFor(user, familyId, refreshToken);
  }

  private async accessFor(
    user: UserRecord,
    familyId: string,
    refreshToken: string,
  ): Promise<IssuedSession> {
    const mfaEnrolmentRequired = await this.mustEnrolMfa(user);
    const ttl = this.config.auth.accessTokenTtlSeconds;
    const accessToken = await this.signer.sign('access', user.id, { sid: familyId }, ttl);
    return { accessToken, refreshToken, expiresIn: ttl, mfaEnrolmentRequired, sessionId: familyId };
  }

  async refresh(refreshToken: string): Promise<{ user: UserRecord; session: IssuedSession }> {
    const rotated = await this.sessions.rotate(refreshToken);
    const user = await this.users.byId(rotated.userId);
    if (!user || user.disabled) {
      await this.sessions.revoke(rotated.familyId, 'user_unavailable');
      throw unauthenticated('The account is no longer available');
    }
    return { user, session: await this.accessFor(user, rotated.familyId, rotated.refreshToken) };
  }

  /** Resolves `Authorization: Bearer <jwt | kop_...>` to a principal; every request checks the session is still live. */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (!authorization) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthenticated('Authorization must be "Bearer <token>"');
    const token = match[1]!;
    if (token.startsWith(API_TOKEN_PREFIX)) {
      const found = await this.apiTokens.authenticate(token);
      const user = found && (await this.users.byId(found.userId));
      if (!found || !user || user.disabled)
        throw unauthenticated('The API token is invalid, expired or revoked');
      return principalOf(user, {
        authMethod: 'api_token',
        sessionId: null,
        tokenId: found.tokenId,
        scopes: found.scopes,
        mfaEnrolmentRequired: false,
      });
    }
    const claims = await this.signer.verify('access', token);
    const sid = typeof claims.sid === 'string' ? claims.sid : '';
    const user = await this.liveSessionUser(sid, claims.sub);
    return principalOf(user, {
      authMethod: 'session',
      sessionId: sid,
      tokenId: null,
      scopes: null,
      mfaEnrolmentRequired: await this.mustEnrolMfa(user),
      passwordChangeRequired: user.passwordChangeRequired,
    });
  }

  private async liveSessionUser(sessionId: string, userId: string): Promise<UserRecord> {
    const user = await this.users.byId(userId);
    const live = user && !user.disabled && (await this.sessions.isLive(sessionId, userId));
    if (!user || !live) throw unauthenticated('The session has ended; sign in again');
    return user;
  }

  /**
   * What a session or API token grants now, and until when: undefined once the
   * session ended, the token was revoked or expired, or the user was disabled.
   * Long-lived connections (WebSockets) ask again on every check, so they end
   * with the session instead of living on from the moment they were opened.
   */
  async currentAccess(
    holder: Pick<Principal, 'userId' | 'authMethod' | 'sessionId' | 'tokenId'>,
  ): Promise<{ principal: Principal; until: Date } | undefined> {
    const user = await this.users.byId(holder.userId);
    if (!user || user.disabled) return undefined;
    if (holder.authMethod === 'api_token') {
      const token = holder.tokenId ? await this.apiTokens.live(holder.tokenId) : undefined;
      if (!token || token.userId !== user.id) return undefined;
      const principal = principalOf(user, {
        authMethod: 'api_token',
        sessionId: null,
        tokenId: holder.tokenId,
        scopes: token.scopes,
        mfaEnrolmentRequired: false,
      });
      return { principal, until: token.expiresAt };
    }
    const until = holder.sessionId
      ? await this.sessions.liveUntil(holder.sessionId, user.id)
      : undefined;
    if (!until) return undefined;
    const principal = principalOf(user, {
      authMethod: 'session',
      sessionId: holder.sessionId,
      tokenId: null,
      scopes: null,
      mfaEnrolmentRequired: await this.mustEnrolMfa(user),
      passwordChangeRequired: user.passwordChangeRequired,
    });
    return { principal, until };
  }

  /**
   * After a password reset, an MFA reset or disabling: whoever held the
   * account before (a session, or an API token minted with it) loses it.
   */
  async revokeCredentials(userId: string, reason: string): Promise<void> {
    await this.sessions.revokeAllForUser(userId, reason);
    await this.apiTokens.revokeAllForUser(userId);
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'logout');
  }
}

function principalOf(
  user: UserRecord,
  rest: Omit<Principal, 'userId' | 'username' | 'groups' | 'source' | 'oidcSubject'>,
): Principal {
  return {
    userId: user.id,
    username: user.username,
    groups: user.groups,
    source: user.source,
    oidcSubject: user.oidcSubject,
    ...rest,
  };
}
