import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../packages/server/src/core/config.js';
import { freePort } from '../support/free-port.js';
import { testCertificates, type TestCertificates } from '../support/test-ca.js';
import { presets, render } from './support/chart.js';
import { Release, type ContainerRun, type UserSecrets } from './support/container-env.js';
import { installTools, repo } from './support/tools.js';

/**
 * The chart and the server are one contract: every KubeOps container the
 * chart renders, for every preset and a matrix of values, is configured only
 * with settings the server reads (its own loader accepts the environment,
 * and refuses any KUBEOPS_* name it does not know), and every preset starts:
 * the real `kubeops migrate` and `kubeops serve` run with exactly that
 * environment and those mounted files, with only the hosts pointed at the
 * local test services, until each process answers /readyz.
 */

let helm = '';
let work = '';

beforeAll(() => {
  ({ helm } = installTools('helm'));
  work = mkdtempSync(join(tmpdir(), 'kubeops-contract-'));
}, 45 * 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const encryptionKey = Buffer.alloc(32, 7).toString('base64');
const placeholderCa = '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n';

/**
 * The Secrets an operator creates before installing (existingSecret,
 * secrets.provider existing/externalSecret/sealedSecret): each holds the keys
 * the release requires; keys the release marks optional are left out, as
 * the user who has no admin password or second credential leaves them out.
 */
const userSecrets: UserSecrets = (secret, key, optional) => {
  if (optional) return undefined;
  if (key === 'encryption-key') return encryptionKey;
  if (key.endsWith('.crt')) return placeholderCa;
  return `${secret}-${key}`.replace(/[^A-Za-z0-9._-]/g, '-');
};

interface Case {
  name: string;
  preset?: string;
  values?: Record<string, unknown>;
}

const withKey = { secrets: { encryptionKey } };
const externalDb = {
  enabled: true,
  host: 'db.example.com',
  existingSecret: 'pg-secret',
  existingSecretPasswordKey: 'pw',
  tls: { mode: 'verify-full', caSecret: { name: 'pg-ca', key: 'ca.crt' } },
};
const scalable = {
  ...withKey,
  app: { mode: 'scalable' },
  postgresql: { external: externalDb },
  nats: {
    external: {
      enabled: true,
      host: 'nats.example.com',
      username: 'ops',
      existingSecret: 'nats-secret',
    },
  },
  storage: { type: 's3', s3: { bucket: 'kubeops-exports', region: 'eu-west-1' } },
};

/** Values beyond the presets: each external part, credential style and layout. */
const matrix: Case[] = [
  { name: 'single, embedded database', values: withKey },
  {
    name: 'single, external PostgreSQL with existingSecret and verify-full',
    values: { ...withKey, postgresql: { external: externalDb } },
  },
  { name: 'scalable over external NATS', values: scalable },
  {
    name: 'scalable over Kafka with SASL/SCRAM and TLS',
    values: {
      ...scalable,
      nats: { external: { enabled: false } },
      kafka: {
        external: {
          enabled: true,
          brokers: ['k1.example.com:9093', 'k2.example.com:9093'],
          sasl: { mechanism: 'SCRAM-SHA-512', username: 'ops', existingSecret: 'kafka-secret' },
          tls: { enabled: true, caSecret: { name: 'kafka-ca' } },
        },
      },
    },
  },
  {
    name: 'Prometheus with basic auth from values and TLS verification off',
    values: {
      ...withKey,
      providers: {
        metrics: {
          type: 'prometheus',
          url: 'https://prom.example.com',
          username: 'ops',
          password: 'metrics-pw',
          tls: { insecureSkipVerify: true },
        },
      },
    },
  },
  {
    name: 'VictoriaMetrics with a bearer token and password from the user Secret and a private CA',
    values: {
      ...withKey,
      providers: {
        metrics: {
          type: 'victoriametrics',
          url: 'https://vmselect.monitoring:8481/select/0/prometheus',
          username: 'ops',
          existingSecret: 'vm-auth',
          tls: { caSecret: { name: 'vm-ca' } },
        },
      },
    },
  },
  {
    name: 'S3 with keys from values',
    values: {
      ...scalable,
      storage: {
        type: 's3',
        s3: {
          bucket: 'exports',
          endpoint: 'https://minio.example.com:9000',
          forcePathStyle: true,
          prefix: 'kubeops/',
          accessKeyId: 'AKIAEXAMPLE',
          secretAccessKey: 'secret-example',
        },
      },
    },
  },
  {
    name: 'Azure Blob with the account key from the user Secret',
    values: {
      ...scalable,
      storage: {
        type: 'azure',
        azure: { accountName: 'acct', container: 'exports', existingSecret: 'azure-storage' },
      },
    },
  },
  {
    name: 'GCS with a mounted service account key',
    values: {
      ...scalable,
      storage: {
        type: 'gcs',
        gcs: { bucket: 'kubeops-exports', projectId: 'proj', existingSecret: 'gcs-key' },
      },
    },
  },
];

const cases: Case[] = [...presets.map((preset) => ({ name: preset, preset })), ...matrix];

function containersOf(c: Case): ContainerRun[] {
  const extraArgs: string[] = [];
  if (c.values) {
    const file = join(work, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, stringify(c.values));
    extraArgs.push('-f', file);
  }
  const release = new Release(render(helm, { preset: c.preset, extraArgs }), userSecrets);
  return release.kubeOpsContainers();
}

/** `serve --target=api` → { targets: ['api'] }, the flags the server folds into its config. */
function flagsOf(args: string[]): Record<string, unknown> {
  const target = args.find((a) => a.startsWith('--target='))?.slice('--target='.length);
  return target ? { targets: target.split(',') } : {};
}

describe('every KubeOps container the chart renders is configured only with what the server reads', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const containers = containersOf(c);
    expect(containers.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const run of containers) {
      try {
        loadConfig({ env: run.env, flags: flagsOf(run.args) });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems.map((p) => `${run.where}: ${p.key}: ${p.message}`));
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Starting the real server for every preset, against the local services.

const main = join(repo, 'packages/server/src/cli/main.ts');
// The program from source; `development` resolves the workspace packages to their sources too.
const node = ['--conditions=development', '--import', 'tsx', main];

interface LocalServices {
  database: URL;
  databaseCa: string;
  nats: URL;
  natsTls: URL;
  natsCa: TestCertificates;
  /** The local Kafka (test/services/kafka.sh): one listener per security protocol, one SCRAM user. */
  kafka?: { plain: string; sasl: string; saslSsl: string; password: string; ca: string };
}

let services: LocalServices;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const children: ChildProcess[] = [];

/** A NATS server with JetStream and TLS, for the presets that reach theirs over tls://. */
async function startNatsTls(certs: TestCertificates): Promise<URL> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kubeops-nats-tls-'));
  const child = spawn(
    'nats-server',
    [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-js',
      '-sd',
      dir,
      '--tls',
      '--tlscert',
      certs.cert,
      '--tlskey',
      certs.key,
    ],
    { stdio: 'ignore' },
  );
  children.push(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    if (probe.status === 0) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('NATS with TLS did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return new URL(`tls://127.0.0.1:${port}`);
}

/**
 * The environment and files of one container, on this machine: mount paths
 * become directories under `root`, the data directory is a fresh one, and
 * every host the release names is the matching local test service, and
 * each port it listens on is a free one (every pod has its own network; here
 * the processes share one). Nothing else changes.
 */
async function localRun(
  run: ContainerRun,
  root: string,
  database: string,
): Promise<{ env: Record<string, string>; extraCa?: string }> {
  // One pass over every mount path (longest first), so a rewritten path is not rewritten again.
  const mountPaths = Object.keys(run.mounts).sort((a, b) => b.length - a.length);
  const mounted = new RegExp(`(^|[=:,])(${mountPaths.map(escapeRegExp).join('|')})(?=/|$|&)`, 'g');
  const local = (value: string) =>
    mountPaths.length === 0
      ? value
      : value.replace(mounted, (_m, lead: string, path: string) => `${lead}${root}${path}`);
  for (const [path, files] of Object.entries(run.mounts)) {
    mkdirSync(join(root, path), { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      writeFileSync(join(root, path, file), content);
    }
  }
  // A CA Secret the user created holds the CA of their server: here, the local server's.
  const caFiles: Record<string, string> = {
    'postgresql/ca.crt': services.databaseCa,
    'nats/ca.crt': readFileSync(services.natsCa.ca, 'utf8'),
  };
  for (const [file, content] of Object.entries(caFiles)) {
    const path = join(root, '/etc/kubeops/tls', file);
    if (Object.keys(run.mounts).some((m) => path.startsWith(join(root, m))))
      writeFileSync(path, content);
  }

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(run.env)) env[name] = local(value);
  let extraCa: string | undefined;
  for (const [name, value] of Object.entries(env)) {
    if (/^KUBEOPS_[A-Z_]*PORT$/.test(name) && /^[1-9]\d*$/.test(value)) {
      env[name] = String(await freePort());
    }
  }
  if (env.KUBEOPS_DATABASE_URL) {
    const url = new URL(env.KUBEOPS_DATABASE_URL);
    url.hostname = services.database.hostname;
    url.port = services.database.port;
    url.pathname = `/${database}`;
    // The local server has one role; the password is whatever the release sends.
    url.username = services.database.username;
    env.KUBEOPS_DATABASE_URL = url.toString();
  }
  if (env.KUBEOPS_BUS_NATS_URL) {
    const url = new URL(env.KUBEOPS_BUS_NATS_URL);
    const target = url.protocol === 'tls:' ? services.natsTls : services.nats;
    url.hostname = target.hostname;
    url.port = target.port;
    env.KUBEOPS_BUS_NATS_URL = url.toString().replace(/\/$/, '');
    // A tls:// server without a CA Secret is trusted through the system's CAs, as the image's would be.
    if (url.protocol === 'tls:' && !env.KUBEOPS_BUS_NATS_TLS_CA_FILE) extraCa = services.natsCa.ca;
  }
  if (env.KUBEOPS_KAFKA_BROKERS && services.kafka) {
    const { kafka } = services;
    const sasl = Boolean(env.KUBEOPS_KAFKA_SASL_MECHANISM);
    const tls = env.KUBEOPS_KAFKA_TLS === 'true';
    env.KUBEOPS_KAFKA_BROKERS = sasl ? (tls ? kafka.saslSsl : kafka.sasl) : kafka.plain;
    // The user's Kafka Secret holds their password: here, the local Kafka user's.
    if (env.KUBEOPS_KAFKA_SASL_PASSWORD) env.KUBEOPS_KAFKA_SASL_PASSWORD = kafka.password;
    if (env.KUBEOPS_KAFKA_TLS_CA_FILE)
      writeFileSync(env.KUBEOPS_KAFKA_TLS_CA_FILE, readFileSync(kafka.ca));
  }
  return { env, ...(extraCa ? { extraCa } : {}) };
}

function processEnv(env: Record<string, string>, extraCa?: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...(extraCa ? { NODE_EXTRA_CA_CERTS: extraCa } : {}),
    ...env,
  };
}

async function untilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(url);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`/readyz never answered 200 (last: ${last}):\n${output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function serve(
  where: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<() => Promise<void>> {
  const port = await freePort();
  const child = spawn('node', [...node, ...args, '--port', String(port)], { cwd: repo, env });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    // What the process said, without the request log lines of the /readyz polling.
    const said = () =>
      output
        .split('\n')
        .filter((line) => !/"msg":"(incoming request|request completed)"/.test(line))
        .join('\n')
        .slice(-3000);
    await untilReady(`http://127.0.0.1:${port}/readyz`, child, said);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}

describe('every preset starts: migrate, every target answers /readyz, doctor finds the local parts healthy', () => {
  const admin = () => new pg.Client({ connectionString: process.env.KUBEOPS_TEST_DATABASE_URL });

  beforeAll(async () => {
    const url = process.env.KUBEOPS_TEST_DATABASE_URL;
    const ca = process.env.KUBEOPS_TEST_DATABASE_CA_FILE;
    const nats = process.env.KUBEOPS_TEST_NATS_URL;
    if (!url || !ca || !nats)
      throw new Error('run through vitest: the global setup provides the services');
    const natsCa = testCertificates();
    const { env: kafkaEnv } = process;
    services = {
      database: new URL(url),
      databaseCa: readFileSync(ca, 'utf8'),
      nats: new URL(nats),
      natsTls: await startNatsTls(natsCa),
      natsCa,
      ...(kafkaEnv.KUBEOPS_TEST_KAFKA_BROKERS
        ? {
            kafka: {
              plain: kafkaEnv.KUBEOPS_TEST_KAFKA_BROKERS,
              sasl: kafkaEnv.KUBEOPS_TEST_KAFKA_SASL_BROKERS ?? '',
              saslSsl: kafkaEnv.KUBEOPS_TEST_KAFKA_SASL_SSL_BROKERS ?? '',
              password: kafkaEnv.KUBEOPS_TEST_KAFKA_PASSWORD ?? '',
              ca: kafkaEnv.KUBEOPS_TEST_KAFKA_CA_FILE ?? '',
            },
          }
        : {}),
    };
  }, 60_000);
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it.each(presets)(
    '%s',
    async (preset) => {
      const containers = containersOf({ name: preset, preset });
      const root = mkdtempSync(join(tmpdir(), `kubeops-${preset}-`));
      const database = `contract_${preset}_${Date.now().toString(36)}`;
      const db = admin();
      await db.connect();
      await db.query(`CREATE DATABASE "${database}"`);
      const stops: Array<() => Promise<void>> = [];
      try {
        const runs = await Promise.all(
          containers.map(async (run, index) => ({
            run,
            ...(await localRun(run, join(root, String(index)), database)),
          })),
        );
        for (const r of runs.filter((r) => r.run.args[0] === 'migrate')) {
          const result = spawnSync('node', [...node, ...r.run.args], {
            cwd: repo,
            env: processEnv(r.env, r.extraCa),
            encoding: 'utf8',
            timeout: 120_000,
          });
          expect(result.status, `${r.run.where}: ${result.stdout}${result.stderr}`).toBe(0);
        }
        const serving = runs.filter((r) => r.run.args[0] === 'serve');
        expect(serving.length).toBeGreaterThan(0);
        const started = await Promise.allSettled(
          serving.map((r) => serve(r.run.where, r.run.args, processEnv(r.env, r.extraCa))),
        );
        for (const s of started) if (s.status === 'fulfilled') stops.push(s.value);
        const failures = started.flatMap((s) =>
          s.status === 'rejected' ? [(s.reason as Error).message] : [],
        );
        expect(failures).toEqual([]);
        // `helm test`: kubeops doctor with the same settings finds every part this machine
        // provides healthy (metrics and object storage name hosts that exist only in the preset).
        const doctors = runs.filter((r) => r.run.args[0] === 'doctor');
        expect(doctors.length).toBe(runs.some((r) => r.env.KUBEOPS_DATABASE_URL) ? 1 : 0);
        for (const r of doctors) {
          const result = spawnSync('node', [...node, ...r.run.args], {
            cwd: repo,
            env: processEnv(r.env, r.extraCa),
            encoding: 'utf8',
            timeout: 120_000,
          });
          const said = `${r.run.where}:\n${result.stdout}${result.stderr}`;
          for (const part of ['database', 'migrations', 'encryption key', 'clusters', 'bus']) {
            expect(result.stdout, said).toMatch(new RegExp(`^ok +${part} `, 'm'));
          }
        }
      } finally {
        await Promise.all(stops.map((stop) => stop()));
        await db.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
        await db.end();
        rmSync(root, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
