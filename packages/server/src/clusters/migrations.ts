import type { MigrationSet } from '../store/migrate.js';

/** Registered clusters; their credentials live in the secrets table under `clusters/<id>/credentials`. */
export const clusterMigrations: MigrationSet = {
  module: 'clusters',
  migrations: [
    {
      version: 1,
      name: 'clusters',
      sql: `
CREATE TABLE clusters (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  server text NOT NULL,
  source text NOT NULL CHECK (source IN ('kubeconfig', 'token', 'in-cluster')),
  auth_method text NOT NULL CHECK (auth_method IN ('token', 'client-certificate')),
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);`,
    },
    {
      version: 2,
      name: 'connection-warnings',
      // TLS verification lives in the sealed credentials: rows registered before are flagged when they next connect.
      sql: `
ALTER TABLE clusters ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';
UPDATE clusters SET warnings = ARRAY['plain_http'] WHERE server LIKE 'http://%';`,
    },
  ],
};
