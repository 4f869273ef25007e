import { KubeOpsError } from '../core/errors.js';
import type { ServerContext } from '../context.js';
import { randomPassword } from './passwords.js';

/**
 * First start: with no users at all, create the admin with the configured
 * password or a random one that is printed exactly once. There is no default password.
 */
export async function bootstrapAdmin(
  ctx: Pick<ServerContext, 'config' | 'users' | 'roles' | 'logger' | 'audit'>,
): Promise<{ username: string; password?: string } | undefined> {
  if ((await ctx.users.count()) > 0) return undefined;
  const username = ctx.config.auth.adminUsername;
  const generated = ctx.config.auth.adminPassword === undefined;
  const password = ctx.config.auth.adminPassword ?? randomPassword();
  try {
    const user = await ctx.users.create({ username, password, displayName: 'Administrator' });
    await ctx.roles.bind({ role: 'admin', subjectKind: 'user', subject: user.id });
    await ctx.audit.record({
      action: 'users.bootstrap_admin',
      result: 'success',
      actor: 'kubeops',
      target: { kind: 'User', name: username },
    });
  } catch (error) {
    // Another replica starting at the same moment created it first.
    if (error instanceof KubeOpsError && error.code === 'conflict') return undefined;
    throw error;
  }
  if (generated) {
    ctx.logger.warn(
      { event: 'admin_created', username },
      `First start: created user "${username}" with the one-time password ${password} — sign in and change it now; it is not shown again`,
    );
    return { username, password };
  }
  ctx.logger.info(
    { event: 'admin_created', username },
    `First start: created user "${username}" with the configured password`,
  );
  return { username };
}
