import type { MigrationSet } from '../migrate.js';

/** Error-log templates per workload, the inspector's log baseline (inspector/collect/log-baseline-store.ts). */
export const logBaselineMigrations: MigrationSet = {
  module: 'inspector-log-baselines',
  migrations: [
    {
      version: 1,
      name: 'log templates',
      sql: `
CREATE TABLE inspection_log_templates (
  cluster text NOT NULL,
  namespace text NOT NULL,
  workload_kind text NOT NULL,
  workload_name text NOT NULL,
  template text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  last_run_id bigint,
  PRIMARY KEY (cluster, namespace, workload_kind, workload_name, template)
);
CREATE INDEX inspection_log_templates_last_seen ON inspection_log_templates (cluster, last_seen);
`,
    },
  ],
};
