import * as oidc from 'openid-client';
import { Value } from '@sinclair/typebox/value';
import { GroupName, MAX_GROUPS } from '@kubeops/contracts';
import type { Config } from '../core/config.js';
import { KubeOpsError } from '../core/errors.js';
import type { TokenSigner } from './token-signer.js';

export interface OidcIdentity {
  /** `<issuer>|<sub>`: what identifies the user (see kubernetesUsername). */
  subject: string;
  /** For display and the audit log only: a claim the user may be able to choose. */
  username: string;
  email: string | undefined;
  displayName: string | undefined;
  groups: string[];
  /** Claimed groups refused by validGroups, for the caller to warn about. */
  droppedGroups: string[];
}

const STATE_TTL_SECONDS = 600;
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function groupsClaim(claims: Record<string, unknown>, name: string): unknown[] | undefined {
  const value = claims[name];
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value === 'string') return [value];
  return undefined;
}

/**
 * A provider's groups held to the rules of local groups (GroupName: pattern
 * and length, at most MAX_GROUPS): anything else is dropped and reported, so
 * a provider cannot hand KubeOps a group the API would refuse.
 */
export function validGroups(claimed: unknown[]): { groups: string[]; dropped: string[] } {
  const groups: string[] = [];
  const dropped: string[] = [];
  for (const group of claimed) {
    if (typeof group === 'string' && Value.Check(GroupName, group) && groups.length < MAX_GROUPS) {
      if (!groups.includes(group)) groups.push(group);
    } else {
      dropped.push(typeof group === 'string' ? group.slice(0, 200) : JSON.stringify(group));
    }
  }
  return { groups, dropped };
}

/** The email only when the provider says it verified it: anyone can type an unverified one. */
function verifiedEmail(claims: Record<string, unknown>): string | undefined {
  return claims.email_verified === true ? stringClaim(claims, 'email') : undefined;
}

/**
 * OpenID Connect sign-in: authorization code flow with PKCE (S256), state and
 * nonce. The verifier, state and nonce travel in a signed, short-lived cookie,
 * so no server keeps per-login state and any replica can finish the flow.
 */
export class OidcClient {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly config: Config,
    private readonly signer: TokenSigner,
  ) {}

  get redirectUri(): string {
    return new URL(OIDC_CALLBACK_PATH, this.config.http.publicUrl).toString();
  }

  private configuration(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, allowInsecureIssuer } = this.config.oidc;
    this.discovered ??= oidc
      .discovery(
        new URL(issuer!),
        clientId!,
        clientSecret,
        clientSecret ? undefined : oidc.None(),
        allowInsecureIssuer ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        this.discovered = undefined;
        throw new KubeOpsError(
          'oidc_unavailable',
          502,
          `The OpenID provider ${issuer} could not be reached`,
          {
            cause: error,
          },
        );
      });
    return this.discovered;
  }

  /** The provider URL to send the browser to, and the signed state cookie to set. */
  async begin(): Promise<{ url: string; stateCookie: string }> {
    const configuration = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.oidc.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const stateCookie = await this.signer.sign(
      'oidc_state',
      'oidc',
      { v: verifier, s: state, n: nonce },
      STATE_TTL_SECONDS,
    );
    return { url: url.toString(), stateCookie };
  }

  /** Exchanges the code from the callback URL; checks state, nonce and PKCE. */
  async finish(callbackUrl: URL, stateCookie: string | undefined): Promise<OidcIdentity> {
    if (!stateCookie) {
      throw new KubeOpsError(
        'oidc_state_missing',
        400,
        'The sign-in attempt expired or started in another browser; start again',
      );
    }
    const state = await this.signer.verify('oidc_state', stateCookie);
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: String(state.v),
        expectedState: String(state.s),
        expectedNonce: String(state.n),
        idTokenExpected: true,
      });
    } catch (error) {
      throw new KubeOpsError(
        'oidc_failed',
        401,
        `Single sign-on failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const idClaims = (tokens.claims() ?? {}) as Record<string, unknown>;
    let claims: Record<string, unknown> = idClaims;
    const { usernameClaim, groupsClaim: groupsName } = this.config.oidc;
    if (
      groupsClaim(claims, groupsName) === undefined ||
      stringClaim(claims, usernameClaim) === undefined
    ) {
      const info = await oidc.fetchUserInfo(
        configuration,
        tokens.access_token,
        String(idClaims.sub),
      );
      claims = { ...info, ...idClaims };
    }
    const subject = String(idClaims.sub);
    const email = verifiedEmail(claims);
    const { groups, dropped } = validGroups(groupsClaim(claims, groupsName) ?? []);
    return {
      subject: `${this.config.oidc.issuer}|${subject}`,
      username:
        (usernameClaim === 'email' ? email : stringClaim(claims, usernameClaim)) ??
        email ??
        subject,
      email,
      displayName: stringClaim(claims, 'name'),
      groups,
      droppedGroups: dropped,
    };
  }
}
