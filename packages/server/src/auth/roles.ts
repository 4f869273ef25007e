import type { Role, RoleBinding, RoleBindingCreateRequest } from '@kubeops/contracts';
import type { Database } from '../store/database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../store/database.js';
import { conflict, invalidInput, KubeOpsError, notFound } from '../core/errors.js';

type RoleRow = { name: string; description: string; permissions: string[]; builtin: boolean };
type BindingRow = {
  id: string;
  role: string;
  subject_kind: 'user' | 'group';
  subject: string;
  cluster: string | null;
  namespace: string | null;
  created_at: Date;
};

const toRole = (r: RoleRow): Role => ({
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  builtin: r.builtin,
});
const toBinding = (r: BindingRow): RoleBinding => ({
  id: r.id,
  role: r.role,
  subjectKind: r.subject_kind,
  subject: r.subject,
  cluster: r.cluster,
  namespace: r.namespace,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Platform roles (what a role may do) and their bindings (who holds it, where). */
export class RoleStore {
  constructor(private readonly db: Database) {}

  async list(): Promise<Role[]> {
    const { rows } = await this.db.query<RoleRow>(
      'SELECT name, description, permissions, builtin FROM roles ORDER BY name',
    );
    return rows.map(toRole);
  }

  async get(name: string): Promise<Role> {
    const { rows } = await this.db.query<RoleRow>(
      'SELECT name, description, permissions, builtin FROM roles WHERE name = $1',
      [name],
    );
    if (!rows[0]) throw notFound('role', name);
    return toRole(rows[0]);
  }

  async create(name: string, description: string, permissions: string[]): Promise<Role> {
    try {
      const { rows } = await this.db.query<RoleRow>(
        `INSERT INTO roles (name, description, permissions) VALUES ($1, $2, $3)
         RETURNING name, description, permissions, builtin`,
        [name, description, permissions],
      );
      return toRole(rows[0]!);
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION)
        throw conflict(`Role ${name} already exists`, { field: 'name' });
      throw error;
    }
  }

  async update(
    name: string,
    changes: { description?: string | undefined; permissions: string[] },
  ): Promise<Role> {
    // Editing admin could lock every administrator out of the platform.
    if (name === 'admin') {
      throw new KubeOpsError(
        'role_protected',
        409,
        'The admin role always grants every permission and cannot be edited',
      );
    }
    const { rows } = await this.db.query<RoleRow>(
      `UPDATE roles SET permissions = $2, description = coalesce($3, description), updated_at = now()
       WHERE name = $1 RETURNING name, description, permissions, builtin`,
      [name, changes.permissions, changes.description ?? null],
    );
    if (!rows[0]) throw notFound('role', name);
    return toRole(rows[0]);
  }

  async delete(name: string): Promise<void> {
    const role = await this.get(name);
    if (role.builtin) {
      throw new KubeOpsError(
        'role_protected',
        409,
        `Role ${name} is built in and cannot be deleted; edit its permissions instead`,
      );
    }
    await this.db.query('DELETE FROM roles WHERE name = $1', [name]);
  }

  async listBindings(
    filter: { subjectKind?: 'user' | 'group'; subject?: string } = {},
  ): Promise<RoleBinding[]> {
    const { rows } = await this.db.query<BindingRow>(
      `SELECT id, role, subject_kind, subject, cluster, namespace, created_at FROM role_bindings
       WHERE ($1::text IS NULL OR subject_kind = $1) AND ($2::text IS NULL OR subject = $2)
       ORDER BY created_at, id`,
      [filter.subjectKind ?? null, filter.subject ?? null],
    );
    return rows.map(toBinding);
  }

  async binding(id: string): Promise<RoleBinding> {
    const { rows } = await this.db.query<BindingRow>(
      `SELECT id, role, subject_kind, subject, cluster, namespace, created_at FROM role_bindings WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw notFound('role binding', id);
    return toBinding(rows[0]);
  }

  /**
   * The user a binding's subject names: their id, or their username (what a
   * person naturally types). A binding to nobody would be stored and silently
   * grant nothing, so an unknown user is refused.
   */
  async resolveUserSubject(subject: string): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM users WHERE id = $1 OR username = $1 ORDER BY (id = $1) DESC LIMIT 1',
      [subject],
    );
    if (!rows[0]) {
      throw new KubeOpsError(
        'unknown_subject',
        422,
        `body.subject: no user has the id or username ${JSON.stringify(subject)}`,
        { details: { field: 'body.subject' } },
      );
    }
    return rows[0].id;
  }

  async bind(request: RoleBindingCreateRequest): Promise<RoleBinding> {
    if (request.namespace && !request.cluster) {
      throw invalidInput('body.namespace', 'a namespace binding needs a cluster as well');
    }
    await this.get(request.role).catch(() => {
      throw invalidInput('body.role', `role ${request.role} does not exist`);
    });
    if (request.subjectKind === 'user') {
      request = { ...request, subject: await this.resolveUserSubject(request.subject) };
    }
    try {
      const { rows } = await this.db.query<BindingRow>(
        `INSERT INTO role_bindings (role, subject_kind, subject, cluster, namespace) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, role, subject_kind, subject, cluster, namespace, created_at`,
        [
          request.role,
          request.subjectKind,
          request.subject,
          request.cluster ?? null,
          request.namespace ?? null,
        ],
      );
      return toBinding(rows[0]!);
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION)
        throw conflict('This role binding already exists');
      throw error;
    }
  }

  async unbind(id: string): Promise<RoleBinding> {
    const { rows } = await this.db.query<BindingRow>(
      `DELETE FROM role_bindings WHERE id = $1 RETURNING id, role, subject_kind, subject, cluster, namespace, created_at`,
      [id],
    );
    if (!rows[0]) throw notFound('role binding', id);
    return toBinding(rows[0]);
  }

  /** Bindings that apply to a user directly or through any of their groups, with each role's permissions. */
  async effectiveBindings(
    userId: string,
    groups: string[],
  ): Promise<Array<RoleBinding & { permissions: string[] }>> {
    const { rows } = await this.db.query<BindingRow & { permissions: string[] }>(
      `SELECT b.id, b.role, b.subject_kind, b.subject, b.cluster, b.namespace, b.created_at, r.permissions
       FROM role_bindings b JOIN roles r ON r.name = b.role
       WHERE (b.subject_kind = 'user' AND b.subject = $1) OR (b.subject_kind = 'group' AND b.subject = ANY($2::text[]))`,
      [userId, groups],
    );
    return rows.map((r) => ({ ...toBinding(r), permissions: r.permissions }));
  }

  async permissionsOf(roles: string[]): Promise<Map<string, string[]>> {
    if (roles.length === 0) return new Map();
    const { rows } = await this.db.query<RoleRow>(
      'SELECT name, description, permissions, builtin FROM roles WHERE name = ANY($1::text[])',
      [roles],
    );
    return new Map(rows.map((r) => [r.name, r.permissions]));
  }
}
