import { Kind, type TSchema } from '@sinclair/typebox';
import { didYouMean } from './did-you-mean.js';

/**
 * Unknown names in a configuration. A KUBEOPS_* variable or a config file
 * key the server does not read is a mistake (a typo, a setting of another
 * version, a chart value nothing implements), so the loader reports each one,
 * with the closest known name, instead of starting without it.
 */

export interface NameProblem {
  key: string;
  message: string;
}

/**
 * KUBEOPS_* variables that are not server settings, read by the scripts and
 * tools around it; the server accepts them in its environment (tests and
 * benchmarks start it with their own environment). Everything else named
 * KUBEOPS_* must be a setting.
 */
export const NON_CONFIG_ENV: { prefixes: readonly string[]; names: readonly string[] } = {
  prefixes: [
    'KUBEOPS_TEST_', // test/setup/global-setup.ts and test scripts: where the test services are
    'KUBEOPS_BENCH_', // bench/: which cluster a benchmark uses
    'KUBEOPS_FUZZ_', // packages/server/scripts/fuzz.sh
  ],
  names: [
    'KUBEOPS_STATE', // test/lib/common.sh: where test services keep their files
    'KUBEOPS_CACHE', // test/tools, test/cluster, test/llm: downloaded and built tools
    'KUBEOPS_BIN_DIR', // test/cluster: the built Kubernetes binaries
    'KUBEOPS_KEEP_TEST_ENV', // vitest global setup: leave the cluster and services running
    'KUBEOPS_KEEP_BENCH_CLUSTER', // bench/kube: leave its cluster running
    'KUBEOPS_API_URL', // packages/web dev server: where it proxies /api
  ],
};

const isNonConfig = (name: string) =>
  NON_CONFIG_ENV.names.includes(name) || NON_CONFIG_ENV.prefixes.some((p) => name.startsWith(p));

/** What Kubernetes injects for a Service named kubeops-* when service links are on. */
const isServiceLink = (name: string, value: string | undefined) =>
  /_SERVICE_(HOST|PORT(_[A-Z0-9_]+)?)$/.test(name) ||
  /_PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/.test(name) ||
  (name.endsWith('_PORT') && /^(tcp|udp|sctp):\/\//.test(value ?? ''));

/** Every KUBEOPS_* variable that is neither a setting nor one of NON_CONFIG_ENV. */
export function unknownEnvNames(env: NodeJS.ProcessEnv, known: ReadonlySet<string>): NameProblem[] {
  const problems: NameProblem[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('KUBEOPS_') || known.has(name) || isNonConfig(name)) continue;
    const closest = didYouMean(name, known);
    problems.push({
      key: name,
      message: isServiceLink(name, env[name])
        ? 'unknown environment variable: a Kubernetes service link; set enableServiceLinks: false on the pod'
        : `unknown environment variable, not a KubeOps setting${closest ? `; did you mean ${closest}?` : ''}`,
    });
  }
  return problems;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object schema whose keys are fixed (not a Record of free keys). */
const fixedObject = (schema: TSchema): Record<string, TSchema> | undefined =>
  schema.type === 'object' && schema.properties && schema[Kind] !== 'Record'
    ? (schema.properties as Record<string, TSchema>)
    : undefined;

/** The schema of a Record's values. */
const recordEntries = (schema: TSchema): TSchema | undefined =>
  schema[Kind] === 'Record'
    ? (Object.values(schema.patternProperties ?? {})[0] as TSchema | undefined)
    : undefined;

/** Dotted paths of every section and setting in a schema. */
export function knownKeys(schema: TSchema, prefix: string[] = []): string[] {
  const properties = fixedObject(schema);
  if (!properties) return [];
  return Object.entries(properties).flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path.join('.'), ...knownKeys(child, path)];
  });
}

/** Every key of a config value (file and flags) that its schema has no place for. */
export function unknownKeys(
  value: unknown,
  schema: TSchema,
  candidates: readonly string[] = knownKeys(schema),
  prefix: string[] = [],
): NameProblem[] {
  if (!isPlainObject(value)) return [];
  const entries = recordEntries(schema);
  if (entries) {
    // Free keys (e.g. a cluster name), each holding a value of one schema.
    return Object.entries(value).flatMap(([key, child]) => {
      const path = [...prefix, key];
      return unknownKeys(child, entries, knownKeys(entries, path), path);
    });
  }
  const properties = fixedObject(schema);
  if (!properties) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    const childSchema = properties[key];
    if (childSchema) return unknownKeys(child, childSchema, candidates, path);
    if (schema.additionalProperties !== false) return [];
    const dotted = path.join('.');
    const closest = didYouMean(dotted, candidates);
    return [
      {
        key: dotted,
        message: `unknown setting${closest ? `; did you mean ${closest}?` : ''}`,
      },
    ];
  });
}
