import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { unknownEnvNames, unknownKeys } from './config-names.js';
import { ConfigSchema, TRUST_PROXY_HELP, type Config } from './config-schema.js';
import { parseAddressRange } from './address-ranges.js';
import { KubeOpsError } from './errors.js';
import { storageSettingsProblems } from '../providers/storage/settings.js';
import { backupScheduleProblems } from '../backup/backup-settings.js';

export { ConfigSchema, type Config, type Target, TARGETS } from './config-schema.js';

export interface ConfigSources {
  /** Path of a YAML file; falls back to KUBEOPS_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already nested like the file. */
  flags?: Record<string, unknown>;
}

export interface ConfigProblem {
  key: string;
  message: string;
}

/** Thrown when a config cannot start KubeOps; `problems` lists every one. */
export class ConfigError extends KubeOpsError {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      'invalid_config',
      500,
      `Invalid configuration:\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`,
      { details: { problems } },
    );
  }
}

type Leaf = { path: string[]; schema: TSchema };

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties && schema[Kind] !== 'Record') {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) =>
      leaves(child, [...path, key]),
    );
  }
  return [{ path, schema }];
}

const snake = (segment: string) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const envName = (path: string[]) => `KUBEOPS_${path.map(snake).join('_')}`;

/** Environment names other than KUBEOPS_<PATH> that operators expect to work. */
const ENV_ALIASES: Record<string, string[]> = {
  DATABASE_URL: ['database', 'url'],
  KUBEOPS_NATS_URL: ['bus', 'nats', 'url'],
  KUBEOPS_NATS_USER: ['bus', 'nats', 'user'],
  KUBEOPS_NATS_PASSWORD: ['bus', 'nats', 'password'],
  // The Helm chart's names for bus.kafka.* (deploy/helm/kubeops/templates/_config.tpl).
  KUBEOPS_KAFKA_BROKERS: ['bus', 'kafka', 'brokers'],
  KUBEOPS_KAFKA_TOPIC_PREFIX: ['bus', 'kafka', 'topicPrefix'],
  KUBEOPS_KAFKA_CONSUMER_GROUP: ['bus', 'kafka', 'consumerGroup'],
  KUBEOPS_KAFKA_SASL_MECHANISM: ['bus', 'kafka', 'sasl', 'mechanism'],
  KUBEOPS_KAFKA_SASL_USERNAME: ['bus', 'kafka', 'sasl', 'username'],
  KUBEOPS_KAFKA_SASL_PASSWORD: ['bus', 'kafka', 'sasl', 'password'],
  KUBEOPS_KAFKA_TLS: ['bus', 'kafka', 'tls', 'enabled'],
  KUBEOPS_KAFKA_TLS_CA_FILE: ['bus', 'kafka', 'tls', 'caFile'],
  KUBEOPS_OTEL_EXPORTER_OTLP_ENDPOINT: ['tracing', 'endpoint'],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['tracing', 'endpoint'],
  OTEL_SERVICE_NAME: ['tracing', 'serviceName'],
  // The name Azure's own tools use for a storage account key (the chart sets it from a Secret).
  AZURE_STORAGE_KEY: ['storage', 'azure', 'accountKey'],
};

/** Every environment name the loader reads: each setting's, the aliases, and KUBEOPS_CONFIG. */
export function knownEnvNames(): Set<string> {
  return new Set([
    'KUBEOPS_CONFIG',
    ...leaves(ConfigSchema).map((leaf) => envName(leaf.path)),
    ...Object.keys(ENV_ALIASES),
  ]);
}

function parseEnvValue(raw: string, schema: TSchema): unknown {
  if (Array.isArray(schema.anyOf)) {
    // A union (e.g. a hop count or a list): the first member the text parses into.
    for (const member of schema.anyOf as TSchema[]) {
      const value = parseEnvValue(raw, member);
      if (Value.Check(member, value)) return value;
    }
    return raw;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return raw.trim() === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
  }
  if (schema.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    return raw;
  }
  if (schema.type === 'array') {
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item) => (schema.items ? parseEnvValue(item, schema.items as TSchema) : item));
  }
  if (schema[Kind] === 'Record') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mergeDeep(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergeDeep(current, value) : value;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const all = leaves(ConfigSchema);
  for (const leaf of all) {
    const raw = env[envName(leaf.path)];
    if (raw !== undefined) setPath(out, leaf.path, parseEnvValue(raw, leaf.schema));
  }
  // Aliases fill in only what the KUBEOPS_<PATH> name left unset; the first alias listed wins.
  const aliased = new Set<string>();
  for (const [name, path] of Object.entries(ENV_ALIASES)) {
    const raw = env[name];
    const key = path.join('.');
    if (raw === undefined || raw === '' || env[envName(path)] !== undefined || aliased.has(key)) {
      continue;
    }
    const leaf = all.find((l) => l.path.join('.') === key);
    setPath(out, path, leaf ? parseEnvValue(raw, leaf.schema) : raw);
    aliased.add(key);
  }
  return out;
}

function readFile(path: string): { value: Record<string, unknown>; problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      value: {},
      problems: [{ key: 'config', message: `cannot read ${path}: ${(error as Error).message}` }],
    };
  }
  try {
    const parsed: unknown = parseYaml(text) ?? {};
    if (!isPlainObject(parsed)) {
      return {
        value: {},
        problems: [{ key: 'config', message: `${path} must hold a YAML mapping` }],
      };
    }
    return { value: parsed, problems: [] };
  } catch (error) {
    return {
      value: {},
      problems: [
        { key: 'config', message: `${path} is not valid YAML: ${(error as Error).message}` },
      ],
    };
  }
}

const keyOf = (pointer: string) =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.') || '(root)';

function crossFieldProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const keys = [config.encryption.key, ...config.encryption.previousKeys];
  keys.forEach((key, index) => {
    if (key !== undefined && Buffer.from(key, 'base64').length !== 32) {
      problems.push({
        key: index === 0 ? 'encryption.key' : `encryption.previousKeys.${index - 1}`,
        message: 'must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)',
      });
    }
  });
  if (config.database.url && !config.encryption.key) {
    problems.push({
      key: 'encryption.key',
      message: 'is required with an external database (set KUBEOPS_ENCRYPTION_KEY)',
    });
  }
  if (config.oidc.issuer && !config.oidc.clientId) {
    problems.push({ key: 'oidc.clientId', message: 'is required when oidc.issuer is set' });
  }
  if (config.oidc.issuer && !config.http.publicUrl) {
    problems.push({
      key: 'http.publicUrl',
      message: 'is required when oidc.issuer is set (it builds the redirect URL)',
    });
  }
  if (config.oidc.issuer?.startsWith('http:') && !config.oidc.allowInsecureIssuer) {
    problems.push({
      key: 'oidc.issuer',
      message: 'must use https (or set oidc.allowInsecureIssuer for development)',
    });
  }
  problems.push(...busProblems(config));
  problems.push(...storageSettingsProblems(config.storage));
  problems.push(...backupScheduleProblems(config.backup));
  problems.push(...trustedProxyProblems(config.http.trustProxy));
  config.network.allowedTargets.forEach((entry, index) => {
    if (!parseAddressRange(entry))
      problems.push({
        key: `network.allowedTargets.${index}`,
        message: `"${entry}" is not an IP address or CIDR (e.g. 127.0.0.1 or 10.0.0.0/8)`,
      });
  });
  return problems;
}

/** proxy-addr's names for whole ranges, besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustedProxyProblems(trustProxy: Config['http']['trustProxy']): ConfigProblem[] {
  if (!Array.isArray(trustProxy)) return [];
  // KUBEOPS_HTTP_TRUST_PROXY=true reads as a one-item list.
  if (trustProxy.length === 1 && /^(true|false)$/i.test(trustProxy[0]!)) {
    return [{ key: 'http.trustProxy', message: TRUST_PROXY_HELP }];
  }
  return trustProxy.flatMap((entry, index) =>
    PROXY_RANGE_NAMES.has(entry) || parseAddressRange(entry)
      ? []
      : [
          {
            key: `http.trustProxy.${index}`,
            message: `"${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8) nor loopback, linklocal or uniquelocal`,
          },
        ],
  );
}

function busProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { nats, kafka } = config.bus;
  if (kafka.brokers.length > 0 && nats.url !== undefined) {
    problems.push({
      key: 'bus.kafka.brokers',
      message: 'KubeOps uses one event bus: set bus.kafka.brokers or bus.nats.url, not both',
    });
  }
  if (kafka.sasl.mechanism && (!kafka.sasl.username || !kafka.sasl.password)) {
    problems.push({
      key: kafka.sasl.username ? 'bus.kafka.sasl.password' : 'bus.kafka.sasl.username',
      message: `is required with bus.kafka.sasl.mechanism ${kafka.sasl.mechanism}`,
    });
  }
  if (!kafka.sasl.mechanism && (kafka.sasl.username || kafka.sasl.password)) {
    problems.push({
      key: 'bus.kafka.sasl.mechanism',
      message:
        'is required with a SASL user name or password (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)',
    });
  }
  if (!kafka.tls.certFile !== !kafka.tls.keyFile) {
    problems.push({
      key: kafka.tls.certFile ? 'bus.kafka.tls.keyFile' : 'bus.kafka.tls.certFile',
      message: 'a client certificate needs both bus.kafka.tls.certFile and bus.kafka.tls.keyFile',
    });
  }
  if (!nats.tls.certFile !== !nats.tls.keyFile) {
    problems.push({
      key: nats.tls.certFile ? 'bus.nats.tls.keyFile' : 'bus.nats.tls.certFile',
      message: 'a client certificate needs both bus.nats.tls.certFile and bus.nats.tls.keyFile',
    });
  }
  const methods = [
    nats.credsFile && 'bus.nats.credsFile',
    nats.token && 'bus.nats.token',
    (nats.user || nats.password) && 'bus.nats.user/password',
  ].filter(Boolean);
  if (methods.length > 1) {
    problems.push({
      key: 'bus.nats.credsFile',
      message: `choose one way to authenticate to NATS, not ${methods.join(' and ')}`,
    });
  }
  if (nats.password && !nats.user && !/^[a-z]+:\/\/[^@/]+@/.test(nats.url ?? '')) {
    problems.push({ key: 'bus.nats.user', message: 'is required with bus.nats.password' });
  }
  return problems;
}

/**
 * Builds the config from defaults < YAML file < environment < flags and
 * validates it. Throws ConfigError listing every problem, each with its key.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const filePath = sources.file ?? env.KUBEOPS_CONFIG;
  const problems: ConfigProblem[] = [];
  let merged: Record<string, unknown> = {};
  if (filePath) {
    const file = readFile(filePath);
    problems.push(...file.problems);
    merged = mergeDeep(merged, file.value);
  }
  merged = mergeDeep(merged, fromEnv(env));
  merged = mergeDeep(merged, sources.flags ?? {});
  // Names nothing reads: each is a problem of its own, listed with the rest.
  problems.push(...unknownEnvNames(env, knownEnvNames()), ...unknownKeys(merged, ConfigSchema));

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(merged)) as unknown;
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const key = keyOf(error.path);
    const message =
      error.type === ValueErrorType.ObjectAdditionalProperties
        ? `unknown setting`
        : typeof error.schema.errorMessage === 'string'
          ? error.schema.errorMessage
          : error.message;
    if (!problems.some((p) => p.key === key)) problems.push({ key, message });
  }
  const config = withDefaults as Config;
  try {
    for (const problem of crossFieldProblems(config)) {
      if (!problems.some((p) => p.key === problem.key)) problems.push(problem);
    }
  } catch {
    // Values of the wrong type already produced their own problems above.
  }
  if (problems.length > 0) throw new ConfigError(problems);
  config.dataDir = resolve(config.dataDir);
  return config;
}

/** Which module groups run in this process. */
export function runsTarget(config: Config, target: 'api' | 'cdc' | 'inspector'): boolean {
  return config.targets.includes('all') || config.targets.includes(target);
}
