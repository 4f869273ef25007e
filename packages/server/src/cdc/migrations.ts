import type { MigrationSet } from '../store/migrate.js';

/** The two change tables share one shape: the history proper, and Kubernetes Events (kept for less time). */
const changeTable = (table: string) => `
CREATE TABLE ${table} (
  id bigserial NOT NULL,
  cluster text NOT NULL,
  api_group text NOT NULL,
  api_version text NOT NULL,
  kind text NOT NULL,
  resource text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  uid text NOT NULL,
  resource_version text NOT NULL,
  type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted')),
  observed_at timestamptz NOT NULL,
  generation bigint,
  object_version integer NOT NULL,
  seen_at_relist boolean NOT NULL DEFAULT false,
  patch jsonb NOT NULL,
  snapshot jsonb,
  field_managers jsonb NOT NULL DEFAULT '[]'::jsonb,
  changed_secret_keys text[],
  PRIMARY KEY (id, observed_at)
) PARTITION BY RANGE (observed_at);
CREATE INDEX ${table}_object ON ${table} (cluster, api_group, resource, namespace, name, observed_at DESC, id DESC);
CREATE INDEX ${table}_uid ON ${table} (cluster, uid, object_version);
CREATE INDEX ${table}_namespace ON ${table} (cluster, namespace, observed_at DESC, id DESC);
CREATE INDEX ${table}_time ON ${table} (observed_at DESC, id DESC);
CREATE INDEX ${table}_id ON ${table} (id);
`;

/**
 * Change history. The change tables are partitioned by day (partitions are
 * created by the writer as days come, and dropped whole by retention), so
 * uniqueness on (cluster, uid, resourceVersion) lives in cdc_change_keys,
 * which every insert goes through. cdc_objects is the last stored state of
 * each live object (what a relist is compared with), cdc_resume the
 * resourceVersion each watch resumes from, written in the same transaction
 * as the changes.
 */
export const cdcMigrations: MigrationSet = {
  module: 'cdc',
  migrations: [
    {
      version: 1,
      name: 'change_history',
      sql: `
${changeTable('cdc_changes')}
${changeTable('cdc_kube_events')}
CREATE TABLE cdc_change_keys (
  cluster text NOT NULL,
  uid text NOT NULL,
  resource_version text NOT NULL,
  observed_at timestamptz NOT NULL,
  PRIMARY KEY (cluster, uid, resource_version)
);
CREATE INDEX cdc_change_keys_time ON cdc_change_keys (observed_at);

CREATE TABLE cdc_objects (
  cluster text NOT NULL,
  api_group text NOT NULL,
  resource text NOT NULL,
  uid text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  resource_version text NOT NULL,
  object_version integer NOT NULL,
  since_snapshot integer NOT NULL,
  body jsonb NOT NULL,
  managers jsonb NOT NULL,
  PRIMARY KEY (cluster, api_group, resource, uid)
);

CREATE TABLE cdc_resume (
  cluster text NOT NULL,
  api_group text NOT NULL,
  resource text NOT NULL,
  api_version text NOT NULL,
  kind text NOT NULL,
  namespaced boolean NOT NULL,
  resource_version text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster, api_group, resource)
);

CREATE TABLE cdc_publish_cursor (
  name text PRIMARY KEY,
  last_id bigint NOT NULL
);

-- Changes made through KubeOps are matched with their audit entry by object (and resourceVersion).
CREATE INDEX audit_log_object ON audit_log (cluster, kind, name, time);
`,
    },
  ],
};
