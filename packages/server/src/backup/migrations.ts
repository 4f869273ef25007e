import type { MigrationSet } from '../store/migrate.js';

export const backupMigrations: MigrationSet = {
  module: 'backup',
  migrations: [
    {
      version: 1,
      name: 'backup_runs',
      sql: `
-- One row per scheduled backup time: the replica that inserts it runs that backup, the others skip it.
CREATE TABLE backup_runs (
  slot timestamptz PRIMARY KEY,
  holder text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  backup_id text,
  error text
);`,
    },
  ],
};
