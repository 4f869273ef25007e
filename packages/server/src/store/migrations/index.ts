import type { MigrationSet } from '../migrate.js';
import { coreMigrations } from './core.js';
import { clusterMigrations } from '../../clusters/migrations.js';
import { inspectorMigrations } from '../../inspector/migrations.js';
import { aiMigrations } from './ai.js';
import { logBaselineMigrations } from './log-baselines.js';
import { identityMigrations } from './identity.js';
import { websocketTicketMigrations } from '../../http/websocket-tickets.js';
import { backupMigrations } from '../../backup/migrations.js';
import { cdcMigrations } from '../../cdc/migrations.js';
import { kubeMigrations } from '../../kube/migrations.js';

/**
 * Every module's migrations, in the order their tables depend on each other.
 * A module with tables of its own exports a MigrationSet and is listed here.
 */
export const MIGRATIONS: MigrationSet[] = [
  coreMigrations,
  clusterMigrations,
  identityMigrations,
  inspectorMigrations,
  aiMigrations,
  logBaselineMigrations,
  websocketTicketMigrations,
  backupMigrations,
  cdcMigrations,
  kubeMigrations,
];
