import { Command } from 'commander';
import { adminCommand } from './admin.js';
import { doctorCommand } from './doctor.js';
import { backupCommand, restoreCommand } from './backup.js';
import { inspectCommand } from './inspect.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';

export function program(): Command {
  return new Command('kubeops')
    .description(
      'KubeOps: manage, inspect and deliver many Kubernetes clusters from one console and API',
    )
    .version('0.1.0')
    .addCommand(serveCommand())
    .addCommand(migrateCommand())
    .addCommand(adminCommand())
    .addCommand(inspectCommand())
    .addCommand(doctorCommand())
    .addCommand(backupCommand())
    .addCommand(restoreCommand())
    .showHelpAfterError();
}
