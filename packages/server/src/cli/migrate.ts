import { Command } from 'commander';
import { createLogger } from '../core/logging.js';
import { migrate } from '../store/migrate.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { openDatabase } from '../store/open.js';
import { configOrExit, withConfigOption } from './config-flags.js';

export function migrateCommand(): Command {
  return withConfigOption(new Command('migrate'))
    .description('Apply pending database migrations and exit (safe while other processes start)')
    .action(async (options: { config?: string }) => {
      const config = configOrExit(options.config);
      const logger = createLogger(config.log.level);
      const db = await openDatabase(config);
      try {
        const report = await migrate(db, MIGRATIONS);
        for (const m of report.applied) logger.info({ migration: m }, 'applied migration');
        logger.info(
          { applied: report.applied.length },
          report.applied.length ? 'migrations applied' : 'database is up to date',
        );
      } finally {
        await db.close();
      }
    });
}
