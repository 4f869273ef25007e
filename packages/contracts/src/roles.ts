import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

/** Platform features a role can grant; `*` grants everything. */
export const PERMISSIONS = [
  'clusters:read',
  'clusters:write',
  // Changes to cluster objects (create, patch, delete, apply, scale, rollout) and exec; reading is clusters:read.
  'kube:write',
  'kube:exec',
  'inspections:read',
  'inspections:write',
  'devops:read',
  'devops:write',
  'providers:read',
  'providers:write',
  'settings:read',
  'settings:write',
  'users:read',
  'users:write',
  'roles:read',
  'roles:write',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const PermissionName = Type.Union([
  Type.Literal('*'),
  ...PERMISSIONS.map((permission) => Type.Literal(permission)),
]);

export const RoleName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' });

export const Role = Type.Object({
  name: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  builtin: Type.Boolean(),
});
export type Role = Static<typeof Role>;

export const RoleCreateRequest = Type.Object(
  {
    name: RoleName,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(PermissionName, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type RoleCreateRequest = Static<typeof RoleCreateRequest>;

export const RoleUpdateRequest = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(PermissionName, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type RoleUpdateRequest = Static<typeof RoleUpdateRequest>;

export const RoleNameParams = Type.Object({ name: RoleName });

export const SubjectKind = Type.Union([Type.Literal('user'), Type.Literal('group')]);

export const RoleBinding = Type.Object({
  id: Type.String(),
  role: Type.String(),
  subjectKind: SubjectKind,
  subject: Type.String({ description: 'User id, or group name' }),
  cluster: Type.Union([Type.String(), Type.Null()], { description: 'null: every cluster' }),
  namespace: Type.Union([Type.String(), Type.Null()], { description: 'null: every namespace' }),
  createdAt: Timestamp,
});
export type RoleBinding = Static<typeof RoleBinding>;

export const RoleBindingCreateRequest = Type.Object(
  {
    role: RoleName,
    subjectKind: SubjectKind,
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  },
  { additionalProperties: false },
);
export type RoleBindingCreateRequest = Static<typeof RoleBindingCreateRequest>;

export const RoleList = Type.Object({ items: Type.Array(Role) });
export const RoleBindingList = Type.Object({ items: Type.Array(RoleBinding) });
