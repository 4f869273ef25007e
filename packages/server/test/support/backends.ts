import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logging.js';
import { createContext, type ContextOptions, type ServerContext } from '../../src/context.js';
import { TEST_ALLOWED_TARGETS } from '../../../../test/support/network.js';

export type BackendName = 'postgres' | 'pglite';

/** The two storage backends every storage test runs against. */
export const BACKENDS: BackendName[] = ['postgres', 'pglite'];

const databaseUrl = () => {
  const url = process.env.KUBEOPS_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'KUBEOPS_TEST_DATABASE_URL is not set (the vitest global setup starts PostgreSQL)',
    );
  return url;
};

export interface TestEnvironment {
  backend: BackendName;
  dataDir: string;
  /** Config with this environment's isolated storage; `extra` is nested like the YAML file. */
  config(extra?: Record<string, unknown>): Config;
  cleanup(): Promise<void>;
}

/**
 * Isolated storage for one test file: a schema of its own in the test
 * PostgreSQL, or a temporary data directory for PGlite, so files run in parallel.
 */
export function testEnvironment(backend: BackendName): TestEnvironment {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-test-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const key = randomBytes(32).toString('base64');
  return {
    backend,
    dataDir,
    config(extra = {}) {
      const storage =
        backend === 'postgres'
          ? { database: { url: databaseUrl(), schema, poolSize: 5 }, encryption: { key } }
          : {};
      return loadConfig({
        env: {},
        flags: merge(
          merge(
            {
              dataDir,
              log: { level: 'silent' },
              network: { allowedTargets: TEST_ALLOWED_TARGETS },
            },
            storage,
          ),
          extra,
        ),
      });
    },
    async cleanup() {
      if (backend === 'postgres') {
        const client = new pg.Client({ connectionString: databaseUrl() });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      cur &&
      typeof cur === 'object' &&
      !Array.isArray(cur)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export async function testContext(
  config: Config,
  options: ContextOptions = {},
): Promise<ServerContext> {
  return createContext(config, createLogger('silent'), options);
}
