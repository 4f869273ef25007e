import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../core/config.js';

/** Options every command shares. */
export function withConfigOption(command: Command): Command {
  return command.addOption(
    new Option(
      '-c, --config <file>',
      'YAML config file (overrides defaults; env and flags override it)',
    ).env('KUBEOPS_CONFIG'),
  );
}

/** Loads config or prints every problem and exits 2. */
export function configOrExit(
  file: string | undefined,
  flags: Record<string, unknown> = {},
): Config {
  try {
    return loadConfig({ file, flags });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kubeops: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
