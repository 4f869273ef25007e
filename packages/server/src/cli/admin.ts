import { Command, Option } from 'commander';
import { createContext, type ServerContext } from '../context.js';
import { createLogger } from '../core/logging.js';
import { KubeOpsError } from '../core/errors.js';
import { randomPassword } from '../auth/passwords.js';
import { rotateEncryptionKey } from '../secrets/rotation.js';
import { configOrExit, withConfigOption } from './config-flags.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function passwordFrom(options: {
  passwordStdin?: boolean;
}): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin) return { password: await readStdin(), generated: false };
  return { password: randomPassword(), generated: true };
}

/** Runs `fn` against the database of the configured KubeOps, without starting a server. */
async function withContext(
  configFile: string | undefined,
  fn: (ctx: ServerContext) => Promise<void>,
): Promise<void> {
  const config = configOrExit(configFile);
  const ctx = await createContext(
    config,
    createLogger(config.log.level === 'info' ? 'warn' : config.log.level),
    { bootstrap: false },
  );
  try {
    await fn(ctx);
  } catch (error) {
    process.stderr.write(
      `kubeops: ${error instanceof KubeOpsError ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  } finally {
    await ctx.lifecycle.close();
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const passwordOption = () =>
  new Option(
    '--password-stdin',
    'read the password from standard input (else a random one is printed)',
  );

export function adminCommand(): Command {
  const admin = new Command('admin').description(
    'Administer users and keys directly in the database',
  );

  admin.addCommand(
    withConfigOption(new Command('create-user'))
      .description('Create a local user, optionally bound to a role globally')
      .argument('<username>')
      .addOption(passwordOption())
      .option(
        '--role <role>',
        'platform role to bind globally (admin, operator, developer, viewer, …)',
      )
      .option('--group <group...>', 'KubeOps groups of the user')
      .action(
        async (
          username: string,
          options: { config?: string; passwordStdin?: boolean; role?: string; group?: string[] },
        ) =>
          withContext(options.config, async (ctx) => {
            const { password, generated } = await passwordFrom(options);
            const user = await ctx.users.create({ username, password, groups: options.group });
            if (options.role)
              await ctx.roles.bind({ role: options.role, subjectKind: 'user', subject: user.id });
            await ctx.audit.record({
              action: 'users.create',
              result: 'success',
              actor: 'kubeops-admin-cli',
              target: { kind: 'User', name: username },
              details: { role: options.role ?? null },
            });
            out(`created user ${username}${options.role ? ` with role ${options.role}` : ''}`);
            if (generated) out(`password: ${password}`);
          }),
      ),
  );

  admin.addCommand(
    withConfigOption(new Command('reset-password'))
      .description("Set a user's password, end their sessions and lift a sign-in lockout")
      .argument('<username>')
      .addOption(passwordOption())
      .action(async (username: string, options: { config?: string; passwordStdin?: boolean }) =>
        withContext(options.config, async (ctx) => {
          const user = await ctx.users.byUsername(username);
          if (!user) throw new KubeOpsError('not_found', 404, `No user named ${username}`);
          const { password, generated } = await passwordFrom(options);
          await ctx.users.setPassword(user.id, password);
          await ctx.auth.revokeCredentials(user.id, 'password_reset');
          await ctx.db.query('DELETE FROM login_failures WHERE key = $1', [
            `account:${username.toLowerCase()}`,
          ]);
          await ctx.audit.record({
            action: 'users.reset_password',
            result: 'success',
            actor: 'kubeops-admin-cli',
            target: { kind: 'User', name: username },
          });
          out(`password of ${username} reset; their sessions were ended`);
          if (generated) out(`password: ${password}`);
        }),
      ),
  );

  admin.addCommand(
    withConfigOption(new Command('rotate-encryption-key'))
      .description(
        'Re-encrypt every stored secret under the primary key. Embedded mode generates the new key itself ' +
          '(stop the server first: the embedded database has one process). With configured keys, first deploy ' +
          'the new key as KUBEOPS_ENCRYPTION_KEY and the old one in KUBEOPS_ENCRYPTION_PREVIOUS_KEYS, run this while ' +
          'KubeOps keeps serving, then remove the old key.',
      )
      .option('--batch-size <n>', 'secrets re-encrypted per transaction', (v) => Number(v), 100)
      .action(async (options: { config?: string; batchSize: number }) =>
        withContext(options.config, async (ctx) => {
          const result = await rotateEncryptionKey(
            ctx.config,
            ctx.secrets,
            options.batchSize,
            (done) => out(`re-encrypted ${done} secrets…`),
          );
          await ctx.audit.record({
            action: 'secrets.rotate_key',
            result: 'success',
            actor: 'kubeops-admin-cli',
            details: { ...result },
          });
          out(
            `re-encrypted ${result.reencrypted} secrets; primary key is now ${result.primaryKeyId}${result.generated ? ' (new key written to the data directory)' : ''}`,
          );
        }),
      ),
  );
  return admin;
}
