import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { unauthenticated } from '../core/errors.js';
import type { SecretBox } from '../secrets/secret-box.js';

const SIGNING_KEY_SECRET = 'auth/jwt-signing-key';
const ISSUER = 'kubeops';

/** Token purposes; a token of one purpose is never accepted as another. */
export type TokenPurpose = 'access' | 'mfa' | 'oidc_state';

/**
 * Signs KubeOps's own short-lived JWTs (HS256). The key is random, created on
 * first start and kept in the SecretBox, so every replica shares it and it is
 * encrypted at rest.
 */
export class TokenSigner {
  private constructor(private readonly key: Uint8Array) {}

  static async load(secrets: SecretBox): Promise<TokenSigner> {
    return new TokenSigner(await secrets.putIfAbsent(SIGNING_KEY_SECRET, randomBytes(32)));
  }

  sign(
    purpose: TokenPurpose,
    subject: string,
    claims: Record<string, unknown>,
    ttlSeconds: number,
  ): Promise<string> {
    return new SignJWT({ ...claims, pur: purpose })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  async verify(purpose: TokenPurpose, token: string): Promise<JWTPayload & { sub: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
      });
      if (payload.pur !== purpose || typeof payload.sub !== 'string')
        throw new Error('wrong purpose');
      return payload as JWTPayload & { sub: string };
    } catch {
      throw unauthenticated(
        purpose === 'access'
          ? 'The access token is invalid or expired; refresh or sign in again'
          : `The ${purpose.replace('_', ' ')} token is invalid or expired`,
      );
    }
  }
}
