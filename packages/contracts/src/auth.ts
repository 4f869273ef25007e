import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';
import { PermissionName } from './roles.js';

export const Username = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
});
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const LoginRequest = Type.Object(
  { username: Username, password: Password },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** A signed-in session: the access token goes in `Authorization: Bearer`, the refresh token lives in an httpOnly cookie. */
export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  mfaEnrolmentRequired: Type.Boolean(),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** Returned by login when the password was right and a second factor is still needed. */
export const MfaChallenge = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String({ description: 'Pass to /api/v1/auth/login/mfa within five minutes' }),
});
export type MfaChallenge = Static<typeof MfaChallenge>;

export const LoginResponse = Type.Union([TokenResponse, MfaChallenge]);
export type LoginResponse = Static<typeof LoginResponse>;

export const MfaLoginRequest = Type.Object(
  {
    mfaToken: Type.String({ minLength: 1, maxLength: 4096 }),
    code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type MfaLoginRequest = Static<typeof MfaLoginRequest>;

export const TotpEnrolment = Type.Object({
  secret: Type.String({ description: 'Base32 secret, for manual entry' }),
  otpauthUrl: Type.String({ description: 'otpauth:// URI, for a QR code' }),
});
export type TotpEnrolment = Static<typeof TotpEnrolment>;

export const TotpVerifyRequest = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$' }) },
  { additionalProperties: false },
);
export type TotpVerifyRequest = Static<typeof TotpVerifyRequest>;

export const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodes>;

export const ChangePasswordRequest = Type.Object(
  { currentPassword: Password, newPassword: Type.String({ minLength: 12, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

export const Impersonation = Type.Object({
  cluster: Type.Union([Type.String(), Type.Null()]),
  user: Type.String({ description: 'Sent as Impersonate-User' }),
  groups: Type.Array(Type.String(), { description: 'Each sent as Impersonate-Group' }),
});
export type Impersonation = Static<typeof Impersonation>;

export const Me = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('local'), Type.Literal('oidc')]),
  groups: Type.Array(Type.String()),
  roles: Type.Array(
    Type.Object({
      role: Type.String(),
      cluster: Type.Union([Type.String(), Type.Null()]),
      namespace: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  permissions: Type.Array(Type.String({ description: 'Permissions granted globally' })),
  mfaEnabled: Type.Boolean(),
  mfaEnrolmentRequired: Type.Boolean(),
  authMethod: Type.Union([Type.Literal('session'), Type.Literal('api_token')]),
  impersonation: Impersonation,
});
export type Me = Static<typeof Me>;

export const ImpersonationQuery = Type.Object(
  { cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })) },
  { additionalProperties: false },
);

export const OidcStatus = Type.Object({
  enabled: Type.Boolean(),
  loginUrl: Type.Union([Type.String(), Type.Null()]),
});

export const ApiTokenCreateRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(PermissionName, {
      minItems: 1,
      maxItems: 50,
      description: "Permissions the token may use (within its owner's roles)",
    }),
    expiresInDays: Type.Integer({ minimum: 1, maximum: 366 }),
  },
  { additionalProperties: false },
);
export type ApiTokenCreateRequest = Static<typeof ApiTokenCreateRequest>;

export const ApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the token, to recognise it' }),
  scopes: Type.Array(Type.String()),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

export const ApiTokenCreated = Type.Intersect([
  ApiToken,
  Type.Object({ token: Type.String({ description: 'Shown once: kop_...' }) }),
]);
export type ApiTokenCreated = Static<typeof ApiTokenCreated>;
