import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** External PostgreSQL when database.url is set, else PGlite inside the data directory. */
export function openDatabase(config: Config): Promise<Database> {
  return config.database.url
    ? openPostgres({
        url: config.database.url,
        password: config.database.password,
        schema: config.database.schema,
        poolSize: config.database.poolSize,
      })
    : openPglite(join(config.dataDir, 'pgdata'), config.database.schema);
}

export const isEmbedded = (config: Config) => !config.database.url;
