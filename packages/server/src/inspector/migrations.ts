import type { MigrationSet } from '../store/migrate.js';

/**
 * Inspection state. Findings are keyed by (cluster, fingerprint) so their
 * lifecycle (new, open, resolved, regressed) survives across runs; each run
 * keeps its own summary and the fingerprints it saw, for reports and trends.
 */
export const inspectorMigrations: MigrationSet = {
  module: 'inspector',
  migrations: [
    {
      version: 1,
      name: 'inspections',
      sql: `
CREATE TABLE inspection_schedules (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  cluster text NOT NULL,
  namespace text,
  workload_kind text,
  workload_name text,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  enabled boolean NOT NULL DEFAULT true,
  next_run_at timestamptz NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inspection_runs (
  id bigserial PRIMARY KEY,
  cluster text NOT NULL,
  namespace text,
  workload_kind text,
  workload_name text,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  schedule_id text REFERENCES inspection_schedules(id) ON DELETE SET NULL,
  requested_by text,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  runner text,
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  summary jsonb,
  object_count integer,
  new_count integer,
  resolved_count integer,
  regressed_count integer,
  skipped jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX inspection_runs_cluster ON inspection_runs (cluster, id DESC);
CREATE INDEX inspection_runs_queued ON inspection_runs (id) WHERE status = 'queued';

CREATE TABLE inspection_findings (
  cluster text NOT NULL,
  fingerprint text NOT NULL,
  rule_id text NOT NULL,
  category text NOT NULL,
  severity text NOT NULL,
  api_version text NOT NULL,
  kind text NOT NULL,
  namespace text,
  name text NOT NULL,
  owner_kind text NOT NULL,
  owner_name text NOT NULL,
  title text NOT NULL,
  message text NOT NULL,
  evidence jsonb NOT NULL,
  remediation jsonb NOT NULL,
  explanation jsonb,
  status text NOT NULL CHECK (status IN ('new', 'open', 'resolved', 'regressed')),
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  resolved_at timestamptz,
  first_run_id bigint NOT NULL,
  last_run_id bigint NOT NULL,
  PRIMARY KEY (cluster, fingerprint)
);
CREATE INDEX inspection_findings_scope ON inspection_findings (cluster, namespace, status);

-- Which findings each run saw, with the status they had in it.
CREATE TABLE inspection_run_findings (
  run_id bigint NOT NULL REFERENCES inspection_runs(id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  status text NOT NULL,
  PRIMARY KEY (run_id, fingerprint)
);

CREATE TABLE inspection_exemptions (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  cluster text,
  rule_ids text[] NOT NULL DEFAULT '{}',
  kind text,
  namespace text,
  name text,
  label_selector jsonb,
  reason text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text
);

-- Channel settings; the webhook URL, secrets and passwords are sealed in the secrets table.
CREATE TABLE inspection_channels (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  type text NOT NULL CHECK (type IN ('webhook', 'slack', 'dingtalk', 'feishu', 'wecom', 'email')),
  cluster text,
  min_severity text NOT NULL DEFAULT 'warning',
  new_only boolean NOT NULL DEFAULT true,
  enabled boolean NOT NULL DEFAULT true,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per lease: the replica holding it runs inspections until it expires.
CREATE TABLE inspector_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);`,
    },
  ],
};
