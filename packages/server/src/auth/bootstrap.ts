import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeOpsError } from '../core/errors.js';
import type { ServerContext } from '../context.js';
import { randomPassword } from './passwords.js';

/** Where a generated first admin password is written (owner-only), never to the log. */
export const initialPasswordFile = (dataDir: string) =>
  resolve(join(dataDir, 'initial-admin-password'));

/**
 * First start: with no users at all, create the admin with the configured
 * password or a random one. A random one goes to a file only the server's
 * user can read (logs are shipped and kept far and wide), and must be
 * replaced at the first sign-in: the API answers every other call with
 * `password_change_required` until then. There is no default password.
 */
export async function bootstrapAdmin(
  ctx: Pick<ServerContext, 'config' | 'users' | 'roles' | 'logger' | 'audit'>,
): Promise<{ username: string; passwordFile?: string } | undefined> {
  if ((await ctx.users.count()) > 0) return undefined;
  const username = ctx.config.auth.adminUsername;
  const generated = ctx.config.auth.adminPassword === undefined;
  const password = ctx.config.auth.adminPassword ?? randomPassword();
  const passwordFile = initialPasswordFile(ctx.config.dataDir);
  // Written before the user exists: a server that cannot write it stops
  // here instead of creating an admin nobody can sign in as.
  if (generated) writeSecretFile(passwordFile, `${password}\n`);
  try {
    const user = await ctx.users.create({
      username,
      password,
      displayName: 'Administrator',
      passwordChangeRequired: generated,
    });
    await ctx.roles.bind({ role: 'admin', subjectKind: 'user', subject: user.id });
    await ctx.audit.record({
      action: 'users.bootstrap_admin',
      result: 'success',
      actor: 'kubeops',
      target: { kind: 'User', name: username },
    });
  } catch (error) {
    // Another replica starting at the same moment created it first.
    if (error instanceof KubeOpsError && error.code === 'conflict') {
      if (generated) rmSync(passwordFile, { force: true });
      return undefined;
    }
    throw error;
  }
  if (generated) {
    ctx.logger.warn(
      { event: 'admin_created', username, passwordFile },
      `First start: created user "${username}" with a one-time password written to ${passwordFile} (readable by this server's user only) — sign in with it and choose your own (the file is deleted then)`,
    );
    return { username, passwordFile };
  }
  ctx.logger.info(
    { event: 'admin_created', username },
    `First start: created user "${username}" with the configured password`,
  );
  return { username };
}

function writeSecretFile(path: string, content: string): void {
  mkdirSync(resolve(path, '..'), { recursive: true, mode: 0o700 });
  // wx: never follow or reuse a file someone placed there; mode applies at creation.
  rmSync(path, { force: true });
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
}
