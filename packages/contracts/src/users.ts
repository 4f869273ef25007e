import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';
import { Username } from './auth.js';

/** How many groups a user may have (local, or kept from an OIDC provider's claim). */
export const MAX_GROUPS = 100;

export const GroupName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$',
});

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('local'), Type.Literal('oidc')]),
  groups: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  mfaRequired: Type.Boolean(),
  createdAt: Timestamp,
});
export type User = Static<typeof User>;

export const UserCreateRequest = Type.Object(
  {
    username: Username,
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    groups: Type.Optional(Type.Array(GroupName, { maxItems: MAX_GROUPS })),
  },
  { additionalProperties: false },
);
export type UserCreateRequest = Static<typeof UserCreateRequest>;

export const UserUpdateRequest = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    groups: Type.Optional(Type.Array(GroupName, { maxItems: MAX_GROUPS })),
    disabled: Type.Optional(Type.Boolean()),
    mfaRequired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserUpdateRequest = Static<typeof UserUpdateRequest>;

export const PasswordResetRequest = Type.Object(
  { password: Type.String({ minLength: 12, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const UserList = Type.Object({ items: Type.Array(User) });

export const AuthSettings = Type.Object(
  { mfaRequired: Type.Boolean({ description: 'Every user must enrol a second factor' }) },
  { additionalProperties: false },
);
export type AuthSettings = Static<typeof AuthSettings>;
