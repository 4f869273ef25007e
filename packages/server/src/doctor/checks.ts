import { openBus } from '../bus/open-bus.js';
import { ClusterRegistry } from '../clusters/cluster-registry.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logging.js';
import { PrometheusApi } from '../providers/metrics/prometheus-api.js';
import { openObjectStore } from '../providers/storage/index.js';
import { loadKeyring } from '../secrets/key-file.js';
import { SecretBox } from '../secrets/secret-box.js';
import type { Database } from '../store/database.js';
import { pendingMigrations } from '../store/migrate.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { isEmbedded, openDatabase } from '../store/open.js';
import { EgressGuard } from '../core/egress-guard.js';

/** What `kubeops doctor` found about one configured part. */
export interface CheckResult {
  part: string;
  ok: boolean;
  /** What was checked and seen (never a credential). */
  detail: string;
  /** How to fix it, when it failed. */
  fix?: string;
}

/** gen_random_uuid() is built in from PostgreSQL 13; KubeOps needs no extension. */
export const MIN_POSTGRES_VERSION = 130000;

const DATABASE_FIX =
  'check database.url (KUBEOPS_DATABASE_URL), the password (KUBEOPS_DATABASE_PASSWORD), sslmode and the CA (sslrootcert), and that the server accepts this client (pg_hba.conf)';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function postgresChecks(db: Database, config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { rows } = await db.query<{ num: string; version: string; can_create: boolean }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
            has_schema_privilege(current_schema(), 'CREATE') AS can_create`,
  );
  const row = rows[0]!;
  const version = Number(row.num);
  results.push(
    version >= MIN_POSTGRES_VERSION
      ? {
          part: 'database',
          ok: true,
          detail: `PostgreSQL ${row.version}; no extension is required`,
        }
      : {
          part: 'database',
          ok: false,
          detail: `PostgreSQL ${row.version} is older than 13`,
          fix: 'upgrade the server to PostgreSQL 13 or later (KubeOps uses the built-in gen_random_uuid())',
        },
  );
  if (!row.can_create) {
    results.push({
      part: 'database',
      ok: false,
      detail: `the database user may not create tables in schema ${config.database.schema ?? 'current_schema()'}`,
      fix: 'GRANT CREATE ON SCHEMA <schema> TO <user> (migrations create KubeOps tables), or set database.schema to one it owns',
    });
  }
  return results;
}

async function migrationsCheck(db: Database): Promise<CheckResult> {
  const pending = await pendingMigrations(db, MIGRATIONS);
  return pending.length === 0
    ? { part: 'migrations', ok: true, detail: 'the schema is up to date' }
    : {
        part: 'migrations',
        ok: false,
        detail: `${pending.length} migration(s) not applied: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', ...' : ''}`,
        fix: 'run `kubeops migrate` (the chart runs it as a Job before the application)',
      };
}

async function secretChecks(db: Database, config: Config): Promise<CheckResult> {
  try {
    await new SecretBox(db, loadKeyring(config)).verify();
    return { part: 'encryption key', ok: true, detail: 'opens the stored credentials' };
  } catch (error) {
    return {
      part: 'encryption key',
      ok: false,
      detail: message(error),
      fix: 'set encryption.key (KUBEOPS_ENCRYPTION_KEY) to the key the credentials were stored with; a key being rotated away from goes in encryption.previousKeys',
    };
  }
}

async function busCheck(config: Config, logger: Logger): Promise<CheckResult> {
  const { nats, kafka } = config.bus;
  const kind = kafka.brokers.length > 0 ? 'Kafka' : nats.url ? 'NATS JetStream' : undefined;
  if (!kind) {
    return { part: 'bus', ok: true, detail: 'in-process (every target in one process)' };
  }
  const bus = openBus(config, logger);
  try {
    // The bus connects in the background: give it a few seconds to come up.
    const deadline = Date.now() + 10_000;
    let health = await bus.health();
    while (!health.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      health = await bus.health();
    }
    return health.ok
      ? { part: 'bus', ok: true, detail: `${kind} is reachable` }
      : {
          part: 'bus',
          ok: false,
          detail: health.message ?? `${kind} is unavailable`,
          fix:
            kind === 'Kafka'
              ? 'check bus.kafka.brokers (KUBEOPS_KAFKA_BROKERS), SASL and TLS settings, and that the user may create and write the KubeOps topics (prefix bus.kafka.topicPrefix) and read with its consumer groups'
              : 'check bus.nats.url (KUBEOPS_BUS_NATS_URL) and its credentials, and that the server runs JetStream (nats-server -js)',
        };
  } finally {
    await bus.close().catch(() => undefined);
  }
}

async function clusterChecks(db: Database, config: Config): Promise<CheckResult[]> {
  const registry = new ClusterRegistry(
    db,
    new SecretBox(db, loadKeyring(config)),
    config.clusters.serviceAccountDir,
    new EgressGuard(config.network),
  );
  try {
    const clusters = await registry.list();
    if (clusters.length === 0) {
      return [{ part: 'clusters', ok: true, detail: 'none registered yet' }];
    }
    return await Promise.all(
      clusters.map(async (cluster): Promise<CheckResult> => {
        const part = `cluster ${cluster.name}`;
        try {
          const { health } = await within(15_000, part, registry.probe(cluster.name));
          return health.reachable
            ? {
                part,
                ok: true,
                detail: `${cluster.server} answers (Kubernetes ${health.version ?? 'unknown version'})`,
              }
            : {
                part,
                ok: false,
                detail: `${cluster.server}: ${health.lastError ?? 'unreachable'}`,
                fix: 'check that KubeOps can reach the server and that its credentials are still valid; re-register the cluster with new ones if they were rotated',
              };
        } catch (error) {
          return {
            part,
            ok: false,
            detail: `${cluster.server}: ${message(error)}`,
            fix: 'check that KubeOps can reach the server and that its credentials are still valid',
          };
        }
      }),
    );
  } finally {
    registry.close();
  }
}

async function metricsCheck(config: Config): Promise<CheckResult | undefined> {
  const { metrics } = config;
  if (!metrics.url) return undefined;
  try {
    const end = new Date();
    await new PrometheusApi({ ...metrics, url: metrics.url }).queryRange({
      query: 'vector(1)',
      start: new Date(end.getTime() - 5 * 60_000),
      end,
      stepSeconds: 60,
    });
    return { part: 'metrics', ok: true, detail: `${new URL(metrics.url).origin} answers queries` };
  } catch (error) {
    return {
      part: 'metrics',
      ok: false,
      detail: message(error),
      fix: 'check metrics.url (KUBEOPS_METRICS_URL) and its credentials (metrics.token or metrics.username/password) and CA (metrics.caFile)',
    };
  }
}

async function storageCheck(config: Config): Promise<CheckResult> {
  try {
    const store = await openObjectStore(config.storage, config.dataDir);
    await within(15_000, 'object storage', store.check());
    return { part: 'storage', ok: true, detail: `${store.location} is reachable` };
  } catch (error) {
    return {
      part: 'storage',
      ok: false,
      detail: message(error),
      fix: `check storage.${config.storage.type}.* (KUBEOPS_STORAGE_*), that the bucket or container exists, and that the credentials may read, write and list it`,
    };
  }
}

/**
 * Checks every external part the config names, the way an operator would by
 * hand: the database (version, rights, migrations, the encryption key), the
 * event bus, each registered cluster, the metrics server and object storage.
 * A part that cannot be reached is a failed result, never a thrown error.
 */
export async function runChecks(config: Config, logger: Logger): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let db: Database | undefined;
  try {
    db = await within(20_000, 'database', openDatabase(config));
  } catch (error) {
    results.push({
      part: 'database',
      ok: false,
      detail: message(error),
      fix: DATABASE_FIX,
    });
  }
  const others = Promise.all([
    busCheck(config, logger),
    metricsCheck(config),
    storageCheck(config),
  ]);
  if (db) {
    try {
      if (isEmbedded(config)) {
        results.push({
          part: 'database',
          ok: true,
          detail: `embedded PGlite in ${config.dataDir}`,
        });
      } else {
        results.push(...(await postgresChecks(db, config)));
      }
      const migrations = await migrationsCheck(db);
      results.push(migrations);
      // The key check and the clusters read KubeOps tables, which a pending migration may lack.
      if (migrations.ok) {
        results.push(await secretChecks(db, config));
        results.push(...(await clusterChecks(db, config)));
      }
    } catch (error) {
      results.push({ part: 'database', ok: false, detail: message(error), fix: DATABASE_FIX });
    } finally {
      await db.close();
    }
  }
  for (const result of await others) if (result) results.push(result);
  return results;
}

/** One line a part, and the fix under each failure. */
export function formatResults(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.part.length));
  return results
    .map((r) => {
      const line = `${r.ok ? 'ok  ' : 'FAIL'}  ${r.part.padEnd(width)}  ${r.detail}`;
      return r.fix ? `${line}\n      ${' '.repeat(width)}  fix: ${r.fix}` : line;
    })
    .join('\n');
}
