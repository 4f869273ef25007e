import type {
  AuditPage,
  AuditQuery,
  AuthSettings,
  Role,
  RoleBinding,
  RoleBindingCreateRequest,
  RoleCreateRequest,
  RoleUpdateRequest,
  User,
  UserCreateRequest,
  UserUpdateRequest,
} from '@kubeops/contracts';
import { api, buildUrl, type Query } from './http';

const id = (value: string) => encodeURIComponent(value);

export const usersApi = {
  list: () => api.get<{ items: User[] }>('/api/v1/users'),
  create: (body: UserCreateRequest) => api.post<User>('/api/v1/users', body),
  update: (userId: string, body: UserUpdateRequest) =>
    api.patch<User>(`/api/v1/users/${id(userId)}`, body),
  remove: (userId: string) => api.delete<void>(`/api/v1/users/${id(userId)}`),
  resetPassword: (userId: string, password: string) =>
    api.post<void>(`/api/v1/users/${id(userId)}/password`, { password }),
  resetMfa: (userId: string) => api.post<void>(`/api/v1/users/${id(userId)}/mfa/reset`),
};

export const rolesApi = {
  list: () => api.get<{ items: Role[] }>('/api/v1/roles'),
  create: (body: RoleCreateRequest) => api.post<Role>('/api/v1/roles', body),
  update: (name: string, body: RoleUpdateRequest) =>
    api.put<Role>(`/api/v1/roles/${id(name)}`, body),
  remove: (name: string) => api.delete<void>(`/api/v1/roles/${id(name)}`),
  bindings: () => api.get<{ items: RoleBinding[] }>('/api/v1/role-bindings'),
  bind: (body: RoleBindingCreateRequest) => api.post<RoleBinding>('/api/v1/role-bindings', body),
  unbind: (bindingId: string) => api.delete<void>(`/api/v1/role-bindings/${id(bindingId)}`),
};

export const auditApi = {
  query: (query: AuditQuery) => api.get<AuditPage>('/api/v1/audit', query as Query),
  exportUrl: (query: AuditQuery, format: 'csv' | 'json') =>
    buildUrl('/api/v1/audit/export', {
      ...(query as Query),
      format,
      cursor: undefined,
      limit: undefined,
    }),
};

export const settingsApi = {
  auth: () => api.get<AuthSettings>('/api/v1/settings/auth'),
  setAuth: (body: AuthSettings) => api.put<AuthSettings>('/api/v1/settings/auth', body),
};
