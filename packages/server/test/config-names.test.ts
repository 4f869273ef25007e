import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, knownEnvNames, loadConfig } from '../src/core/config.js';
import { NON_CONFIG_ENV } from '../src/core/config-names.js';
import { didYouMean, editDistance } from '../src/core/did-you-mean.js';

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'kubeops-config-')), 'kubeops.yaml');
  writeFileSync(path, text);
  return path;
};

const problemsOf = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config loaded');
};

describe('unknown configuration names', () => {
  it('stops on every unknown KUBEOPS_ variable and file key, each with the closest name, beside the other problems', () => {
    const problems = problemsOf(() =>
      loadConfig({
        file: file(
          'http:\n  prot: 9000\nbus:\n  natsUrl: nats://n:4222\naudit:\n  retentionDays: 0\n',
        ),
        env: {
          KUBEOPS_HTPP_PORT: '9000',
          KUBEOPS_METRICS_BEARER_TOKEN: 'secret',
          KUBEOPS_ZZZZZZ: '1',
          KUBEOPS_RATE_LIMIT_MAX: 'many',
        },
      }),
    );
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p.message]));
    expect(byKey['KUBEOPS_HTPP_PORT']).toMatch(/did you mean KUBEOPS_HTTP_PORT\?/);
    expect(byKey['KUBEOPS_METRICS_BEARER_TOKEN']).toMatch(/did you mean KUBEOPS_METRICS_TOKEN\?/);
    expect(byKey['KUBEOPS_ZZZZZZ']).toBe('unknown environment variable, not a KubeOps setting');
    expect(byKey['http.prot']).toBe('unknown setting; did you mean http.port?');
    expect(byKey['bus.natsUrl']).toBe('unknown setting; did you mean bus.nats.url?');
    // The other problems are still reported in the same error.
    expect(Object.keys(byKey)).toEqual(
      expect.arrayContaining(['audit.retentionDays', 'rateLimit.max']),
    );
  });

  it('checks keys under free-named entries against the entry schema', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: {}, file: file('cdc:\n  clusters:\n    prod:\n      inclde: [pods]\n') }),
    );
    expect(problems).toContainEqual({
      key: 'cdc.clusters.prod.inclde',
      message: 'unknown setting; did you mean cdc.clusters.prod.include?',
    });
  });

  it('accepts every setting name, every alias and the scripts’ own KUBEOPS_ names', () => {
    for (const name of [
      'KUBEOPS_CONFIG',
      'DATABASE_URL',
      'KUBEOPS_NATS_URL',
      'KUBEOPS_HTTP_PORT',
    ]) {
      expect(knownEnvNames().has(name) || !name.startsWith('KUBEOPS_')).toBe(true);
    }
    const env: Record<string, string> = {
      KUBEOPS_TEST_DATABASE_URL: 'postgres://x/y',
      KUBEOPS_BENCH_CLUSTER: 'bench',
      KUBEOPS_FUZZ_PORT: '1',
    };
    for (const name of NON_CONFIG_ENV.names) env[name] = '1';
    expect(() => loadConfig({ env })).not.toThrow();
  });

  it('names a Kubernetes service link as such', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { KUBEOPS_API_SERVICE_HOST: '10.0.0.1', KUBEOPS_API_PORT: 'tcp://10.0.0.1:8000' },
      }),
    );
    expect(problems.map((p) => p.key).sort()).toEqual([
      'KUBEOPS_API_PORT',
      'KUBEOPS_API_SERVICE_HOST',
    ]);
    for (const p of problems) expect(p.message).toContain('enableServiceLinks: false');
  });

  it('suggests only names close enough to be meant', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('KUBEOPS_LOG_LEVL', knownEnvNames())).toBe('KUBEOPS_LOG_LEVEL');
    expect(didYouMean('KUBEOPS_SOMETHING_ELSE_ENTIRELY', knownEnvNames())).toBeUndefined();
  });

  it('`kubeops serve` exits non-zero and prints every unknown name', () => {
    const repo = resolve(import.meta.dirname, '../../..');
    const result = spawnSync(
      'node',
      ['--conditions=development', '--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'],
      {
        cwd: repo,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          KUBEOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'kubeops-names-')),
          KUBEOPS_HTTP_PROT: '9000',
          KUBEOPS_REDIS_URL: 'redis://r:6379/0',
        },
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('KUBEOPS_HTTP_PROT: unknown environment variable');
    expect(result.stderr).toContain('did you mean KUBEOPS_HTTP_PORT?');
    expect(result.stderr).toContain('KUBEOPS_REDIS_URL: unknown environment variable');
  });
});
