import type { MigrationSet } from '../migrate.js';

const BUILTIN_ROLES: Array<[string, string, string[]]> = [
  ['admin', 'Everything, including users, roles and settings', ['*']],
  [
    'operator',
    'Runs the platform: clusters, inspections, DevOps and providers',
    [
      'clusters:read',
      'clusters:write',
      'inspections:read',
      'inspections:write',
      'devops:read',
      'devops:write',
      'providers:read',
      'providers:write',
      'settings:read',
      'audit:read',
      'users:read',
      'roles:read',
    ],
  ],
  [
    'developer',
    'Works with clusters and delivery pipelines',
    ['clusters:read', 'inspections:read', 'devops:read', 'devops:write', 'providers:read'],
  ],
  [
    'viewer',
    'Reads clusters, inspections and pipelines',
    ['clusters:read', 'inspections:read', 'devops:read', 'providers:read'],
  ],
];

const sqlArray = (items: string[]) => `ARRAY[${items.map((i) => `'${i}'`).join(', ')}]::text[]`;

export const coreMigrations: MigrationSet = {
  module: 'core',
  migrations: [
    {
      version: 1,
      name: 'identity',
      sql: `
CREATE TABLE users (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  username text NOT NULL UNIQUE,
  display_name text,
  email text,
  source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc')),
  oidc_subject text UNIQUE,
  password_hash text,
  groups text[] NOT NULL DEFAULT '{}',
  disabled boolean NOT NULL DEFAULT false,
  mfa_enabled boolean NOT NULL DEFAULT false,
  mfa_required boolean NOT NULL DEFAULT false,
  totp_last_step bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mfa_recovery_codes (
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE session_families (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  auth_method text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX session_families_user ON session_families (user_id);
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id text NOT NULL REFERENCES session_families (id) ON DELETE CASCADE,
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE TABLE api_tokens (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE TABLE login_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  locked_until timestamptz
);
CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
    },
    {
      version: 2,
      name: 'roles',
      sql: `
CREATE TABLE roles (
  name text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  permissions text[] NOT NULL,
  builtin boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE role_bindings (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  role text NOT NULL REFERENCES roles (name) ON DELETE CASCADE,
  subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'group')),
  subject text NOT NULL,
  cluster text,
  namespace text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (namespace IS NULL OR cluster IS NOT NULL)
);
CREATE UNIQUE INDEX role_bindings_unique ON role_bindings
  (role, subject_kind, subject, coalesce(cluster, ''), coalesce(namespace, ''));
CREATE INDEX role_bindings_subject ON role_bindings (subject_kind, subject);
${BUILTIN_ROLES.map(
  ([name, description, permissions]) =>
    `INSERT INTO roles (name, description, permissions, builtin) VALUES ('${name}', '${description}', ${sqlArray(permissions)}, true);`,
).join('\n')}`,
    },
    {
      version: 3,
      name: 'secrets',
      sql: `
CREATE TABLE secrets (
  name text PRIMARY KEY,
  key_id text NOT NULL,
  envelope text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secrets_key_id ON secrets (key_id);
CREATE TABLE encryption_keys (
  key_id text PRIMARY KEY,
  check_envelope text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`,
    },
    {
      version: 4,
      name: 'audit_log',
      sql: `
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL DEFAULT now(),
  actor text,
  actor_id text,
  source_ip text,
  user_agent text,
  action text NOT NULL,
  cluster text,
  namespace text,
  kind text,
  name text,
  result text NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
  status_code integer,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
-- Append-only: rows can only leave through the retention job, which sets
-- kubeops.audit_retention for its own transaction, and only once they are
-- past a day old.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('kubeops.audit_retention', true) = 'on' THEN
    IF OLD.time < now() - interval '1 day' THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();`,
    },
  ],
};
