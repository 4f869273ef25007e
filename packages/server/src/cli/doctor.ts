import { Command } from 'commander';
import { createLogger } from '../core/logging.js';
import { formatResults, runChecks } from '../doctor/checks.js';
import { configOrExit, withConfigOption } from './config-flags.js';

/** Exit codes: 0 every part answers, 1 some part is wrong, 2 the config itself is invalid. */
export function doctorCommand(): Command {
  return withConfigOption(new Command('doctor'))
    .description(
      'Check every configured external part (database, event bus, clusters, metrics, storage) and say how to fix what is wrong',
    )
    .action(async (options: { config?: string }) => {
      const config = configOrExit(options.config);
      // The checks report what they find; the parts' own logs would only repeat it.
      // The parts retry and close on unref'd timers (they never keep a server alive on
      // their own): hold the process open until every check has answered.
      const keepAlive = setInterval(() => undefined, 1000);
      const results = await runChecks(config, createLogger('silent')).finally(() =>
        clearInterval(keepAlive),
      );
      process.stdout.write(`${formatResults(results)}\n`);
      const failed = results.filter((r) => !r.ok).length;
      process.stdout.write(
        failed === 0
          ? 'Everything KubeOps is configured to use answers.\n'
          : `${failed} problem(s) found.\n`,
      );
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
