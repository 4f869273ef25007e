import type { Static } from '@sinclair/typebox';
import type {
  ApiToken,
  ApiTokenCreated,
  ApiTokenCreateRequest,
  LoginResponse,
  Me,
  MfaLoginRequest,
  OidcStatus as OidcStatusSchema,
  RecoveryCodes,
  TokenResponse,
  TotpEnrolment,
} from '@kubeops/contracts';
import { api, request, session } from './http';

export type OidcStatus = Static<typeof OidcStatusSchema>;

export const authApi = {
  async login(username: string, password: string): Promise<LoginResponse> {
    const result = await request<LoginResponse>('POST', '/api/v1/auth/login', {
      body: { username, password },
      noRefresh: true,
    });
    if ('accessToken' in result) session.set(result.accessToken);
    return result;
  },
  async loginMfa(
    mfaToken: string,
    code: Omit<MfaLoginRequest, 'mfaToken'>,
  ): Promise<TokenResponse> {
    const result = await request<TokenResponse>('POST', '/api/v1/auth/login/mfa', {
      body: { mfaToken, ...code },
      noRefresh: true,
    });
    session.set(result.accessToken);
    return result;
  },
  async logout(): Promise<void> {
    await request<void>('POST', '/api/v1/auth/logout', { noRefresh: true }).catch(() => undefined);
    session.set(null);
  },
  oidc: () => api.get<OidcStatus>('/api/v1/auth/oidc'),
  me: () => api.get<Me>('/api/v1/me'),
  changePassword: (currentPassword: string, newPassword: string) =>
    api.post<void>('/api/v1/me/password', { currentPassword, newPassword }),
  beginTotp: () => api.post<TotpEnrolment>('/api/v1/me/mfa/totp'),
  verifyTotp: (code: string) => api.post<RecoveryCodes>('/api/v1/me/mfa/totp/verify', { code }),
  disableMfa: (password: string, proof: { code: string } | { recoveryCode: string }) =>
    api.post<void>('/api/v1/me/mfa/disable', { password, ...proof }),
  tokens: () => api.get<{ items: ApiToken[] }>('/api/v1/me/tokens'),
  createToken: (body: ApiTokenCreateRequest) =>
    api.post<ApiTokenCreated>('/api/v1/me/tokens', body),
  revokeToken: (id: string) => api.delete<ApiToken>(`/api/v1/me/tokens/${encodeURIComponent(id)}`),
};
