import { Command, Option } from 'commander';
import { TARGETS, runsTarget } from '../core/config.js';
import { createLogger } from '../core/logging.js';
import { signInUrl, startServer } from '../server.js';
import { configOrExit, withConfigOption } from './config-flags.js';

function parseTargets(value: string): string[] {
  const targets = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0 || targets.length === 0) {
    throw new Error(
      `--target: unknown target ${unknown.join(', ') || '(none)'}; use ${TARGETS.join(', ')}`,
    );
  }
  return targets;
}

export function serveCommand(): Command {
  return withConfigOption(new Command('serve'))
    .description('Run KubeOps: the api (HTTP on 8000), cdc (health on 8001) and inspector targets')
    .addOption(
      new Option('-t, --target <list>', `comma-separated targets: ${TARGETS.join(', ')}`).argParser(
        parseTargets,
      ),
    )
    .addOption(
      new Option(
        '-p, --port <port>',
        'port of the first listener (api, else cdc, else inspector)',
      ).argParser((v) => Number(v)),
    )
    .action(async (options: { config?: string; target?: string[]; port?: number }) => {
      const flags: Record<string, unknown> = {};
      if (options.target) flags.targets = options.target;
      let config = configOrExit(options.config, flags);
      if (options.port !== undefined) {
        const key = runsTarget(config, 'api')
          ? 'http'
          : runsTarget(config, 'cdc')
            ? 'cdc'
            : 'inspector';
        config = configOrExit(options.config, { ...flags, [key]: { port: options.port } });
      }
      const logger = createLogger(config.log.level);
      logger.info(
        { targets: config.targets, embedded: !config.database.url, dataDir: config.dataDir },
        'starting KubeOps',
      );
      let server;
      try {
        server = await startServer(config, logger);
      } catch (error) {
        logger.fatal({ err: error }, (error as Error).message);
        process.exitCode = 1;
        return;
      }
      server.ctx.lifecycle.handleSignals(config.http.shutdownGraceSeconds);
      if (server.addresses.api) {
        const url = signInUrl(config, server.addresses.api);
        logger.info(
          { url, openapi: new URL('/api/docs', url).toString() },
          `KubeOps is ready: sign in at ${url}`,
        );
      } else {
        logger.info({ addresses: server.addresses }, 'KubeOps is ready');
      }
    });
}
