import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './free-port.js';

/**
 * A real OpenID provider (the certified npm `oidc-provider`) on a loopback
 * port, with one confidential client for KubeOps and its development login
 * and consent pages: any login name signs in, whatever the password.
 * `alice` belongs to the groups `platform-operators` and `team-x`; everyone
 * else to `nobody`. Accounts `twin-<n>` all share the preferred_username
 * `sso-twin`; `mallory` has no preferred_username, an unverified email and
 * group names chosen to attack KubeOps (a role's name, invalid strings).
 */

export const OIDC_CLIENT_ID = 'kubeops';
export const OIDC_CLIENT_SECRET = 'kubeops-client-secret';
/** The group a KubeOps under test maps to its `operator` role. */
export const OPERATORS_GROUP = 'platform-operators';

/** What `mallory`'s provider account claims. */
export const MALLORY_CLAIMS = {
  sub: 'mallory',
  name: 'Mallory',
  email: 'admin@example.com',
  email_verified: false,
  groups: ['role:admin', 'has space', 'x'.repeat(129), '', 'ok-group'],
};

export interface OidcProvider {
  issuer: string;
  close(): Promise<void>;
}

/** The path KubeOps receives the provider's answer on (the client's redirect URI under its public URL). */
export const oidcCallbackUrl = (kubeopsUrl: string) => `${kubeopsUrl}/api/v1/auth/oidc/callback`;

export async function startOidcProvider(kubeopsUrl: string): Promise<OidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: [oidcCallbackUrl(kubeopsUrl)],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => {
        if (sub === 'mallory') return MALLORY_CLAIMS;
        return {
          sub,
          preferred_username: sub.startsWith('twin-') ? 'sso-twin' : `sso-${sub}`,
          name: `SSO ${sub}`,
          email: `${sub}@example.com`,
          email_verified: true,
          groups: sub === 'alice' ? [OPERATORS_GROUP, 'team-x'] : ['nobody'],
        };
      },
    }),
  });
  const server = createServer(oidc.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `oidc` section of a KubeOps configuration that signs in through `provider`. */
export function oidcConfig(provider: OidcProvider) {
  return {
    issuer: provider.issuer,
    clientId: OIDC_CLIENT_ID,
    clientSecret: OIDC_CLIENT_SECRET,
    allowInsecureIssuer: true,
    groupRoles: { [OPERATORS_GROUP]: 'operator' },
  };
}

/** The same configuration as the environment variables an operator would set. */
export function oidcEnvironment(
  provider: OidcProvider,
  kubeopsUrl: string,
): Record<string, string> {
  const oidc = oidcConfig(provider);
  return {
    KUBEOPS_HTTP_PUBLIC_URL: kubeopsUrl,
    KUBEOPS_OIDC_ISSUER: oidc.issuer,
    KUBEOPS_OIDC_CLIENT_ID: oidc.clientId,
    KUBEOPS_OIDC_CLIENT_SECRET: oidc.clientSecret,
    KUBEOPS_OIDC_ALLOW_INSECURE_ISSUER: String(oidc.allowInsecureIssuer),
    KUBEOPS_OIDC_GROUP_ROLES: JSON.stringify(oidc.groupRoles),
  };
}
