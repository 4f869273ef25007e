import type { Impersonation } from '@kubeops/contracts';
import { ApiTokenStore } from './auth/api-tokens.js';
import { AuthService } from './auth/auth-service.js';
import { Authorizer, type Principal } from './auth/authorizer.js';
import { bootstrapAdmin } from './auth/bootstrap.js';
import { impersonationFor } from './auth/impersonation.js';
import { LoginGuard } from './auth/login-guard.js';
import { MfaService } from './auth/mfa.js';
import { OidcClient } from './auth/oidc.js';
import { RoleStore } from './auth/roles.js';
import { SessionStore } from './auth/sessions.js';
import { TokenSigner } from './auth/token-signer.js';
import { UserStore } from './auth/users.js';
import { AuditLog } from './audit/audit-log.js';
import { openBus } from './bus/open-bus.js';
import type { EventBus } from './core/bus.js';
import type { Config } from './core/config.js';
import { Lifecycle } from './core/lifecycle.js';
import type { Logger } from './core/logging.js';
import { Metrics } from './core/metrics.js';
import { ReadinessChecks } from './core/readiness.js';
import { tracedDatabase } from './core/traced-database.js';
import { startTracing, type Tracing } from './core/tracing.js';
import { loadKeyring } from './secrets/key-file.js';
import { SecretBox } from './secrets/secret-box.js';
import type { Database } from './store/database.js';
import { migrate, pendingMigrations } from './store/migrate.js';
import { MIGRATIONS } from './store/migrations/index.js';
import { openDatabase } from './store/open.js';
import { SettingsStore } from './store/settings.js';
import { openObjectStore, type ObjectStore } from './providers/storage/index.js';

/**
 * Everything a module needs, built once per process and passed to every
 * `register<Module>Routes(app, ctx)` and target. Modules take what they use
 * from here rather than constructing their own database or logger.
 */
export interface ServerContext {
  config: Config;
  logger: Logger;
  db: Database;
  metrics: Metrics;
  lifecycle: Lifecycle;
  readiness: ReadinessChecks;
  /** Set when tracing.endpoint is configured; spans of requests and queries go there. */
  tracing: Tracing | undefined;
  bus: EventBus;
  secrets: SecretBox;
  settings: SettingsStore;
  audit: AuditLog;
  /** Object storage of config.storage: backups, archived audit entries. */
  objects: ObjectStore;
  users: UserStore;
  roles: RoleStore;
  authorizer: Authorizer;
  auth: AuthService;
  oidc: OidcClient | undefined;
  /** Impersonate-User / Impersonate-Group for a principal calling `cluster` (null: no particular cluster). */
  impersonation(principal: Principal, cluster: string | null): Promise<Impersonation>;
}

export interface ContextOptions {
  /** Apply pending migrations (serve, migrate) or only report them (admin commands still migrate). */
  migrate?: boolean;
  /** Create the first admin when there are no users. */
  bootstrap?: boolean;
}

export async function createContext(
  config: Config,
  logger: Logger,
  options: ContextOptions = {},
): Promise<ServerContext> {
  const lifecycle = new Lifecycle(logger);
  // First to start, last to close: spans of the shutdown itself still get sent.
  const tracing = startTracing(config, logger);
  if (tracing) lifecycle.onClose('tracing', () => tracing.shutdown());
  let db: Database;
  try {
    const opened = await openDatabase(config);
    lifecycle.onClose('database', () => opened.close());
    db = tracing ? tracedDatabase(opened, tracing.tracer) : opened;
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
  try {
    if (options.migrate !== false) {
      const report = await migrate(db, MIGRATIONS);
      for (const m of report.applied) logger.info({ migration: m }, 'applied migration');
    }
    const metrics = new Metrics();
    metrics.registerGauge(
      'kubeops_db_pool_connections',
      'Database connections by state',
      ['state'],
      () => {
        const stats = db.poolStats();
        return [
          { labels: { state: 'total' }, value: stats.total },
          { labels: { state: 'idle' }, value: stats.idle },
          { labels: { state: 'waiting' }, value: stats.waiting },
        ];
      },
    );
    const secrets = new SecretBox(db, loadKeyring(config));
    await secrets.verify();
    const settings = new SettingsStore(db);
    const users = new UserStore(db);
    const roles = new RoleStore(db);
    const authorizer = new Authorizer(roles, config.oidc.groupRoles);
    const signer = await TokenSigner.load(secrets);
    const auth = new AuthService(
      config,
      users,
      new SessionStore(db, config.auth.refreshTokenTtlSeconds),
      new ApiTokenStore(db),
      signer,
      new LoginGuard(db, config.auth.lockout),
      new MfaService(db, secrets, users),
      settings,
    );
    const readiness = new ReadinessChecks();
    readiness.register('database', async () => {
      await db.ping();
      return { ok: true };
    });
    readiness.register('migrations', async () => {
      const pending = await pendingMigrations(db, MIGRATIONS);
      return pending.length
        ? { ok: false, message: `pending: ${pending.join(', ')}` }
        : { ok: true };
    });
    const bus = openBus(config, logger);
    lifecycle.onClose('bus', () => bus.close());
    readiness.register('bus', () => bus.health());
    const audit = new AuditLog(db, metrics);
    const objects = await openObjectStore(config.storage, config.dataDir);
    const oidc = config.oidc.issuer ? new OidcClient(config, signer) : undefined;
    const context: ServerContext = {
      config,
      logger,
      db,
      metrics,
      lifecycle,
      readiness,
      tracing,
      bus,
      secrets,
      settings,
      audit,
      objects,
      users,
      roles,
      authorizer,
      auth,
      oidc,
      async impersonation(principal, cluster) {
        const grants = await authorizer.grants(principal);
        return impersonationFor(principal, grants, cluster, config.auth.impersonation);
      },
    };
    if (options.bootstrap !== false) await bootstrapAdmin(context);
    return context;
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
}
