import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root and the chart, for every delivery test. */
export const repo = resolve(import.meta.dirname, '../../..');
export const chartDir = resolve(repo, 'deploy/helm/kubeops');

export type ToolName =
  'helm' | 'helm-unittest' | 'kubeconform' | 'actionlint' | 'hadolint' | 'shellcheck';

/**
 * Builds (first time) or finds (cached by version) the delivery tools through
 * test/tools/install.sh, which prints one path per tool in the order asked.
 * A cold build compiles Go modules, so callers give this a long hook timeout.
 */
export function installTools<T extends ToolName>(...names: T[]): Record<T, string> {
  const result = spawnSync('bash', [resolve(repo, 'test/tools/install.sh'), ...names], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 45 * 60 * 1000,
  });
  if (result.status !== 0) {
    throw new Error(`test/tools/install.sh ${names.join(' ')} failed (exit ${result.status})`);
  }
  const paths = result.stdout.trim().split('\n');
  if (paths.length !== names.length) {
    throw new Error(
      `test/tools/install.sh printed ${paths.length} paths for ${names.length} tools`,
    );
  }
  return Object.fromEntries(names.map((name, i) => [name, paths[i]])) as Record<T, string>;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit status and output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repo,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 5 * 60 * 1000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
