import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Starts the real parts every integration test stands on, once per test run:
 * PostgreSQL and NATS (test/services) and the local Kubernetes cluster
 * (test/cluster). A cluster or service that is already running is reused and
 * left running; what this run started, it stops at the end unless
 * KUBEOPS_KEEP_TEST_ENV=1.
 *
 * Tests find them through environment variables:
 *   KUBEOPS_TEST_DATABASE_URL (KUBEOPS_TEST_DATABASE_CA_FILE: the CA of its TLS
 *   certificate, for sslmode=verify-full), KUBEOPS_TEST_NATS_URL,
 *   KUBEOPS_TEST_KUBECONFIG (cluster admin, client certificate),
 *   KUBEOPS_TEST_SERVER, KUBEOPS_TEST_CA_FILE, KUBEOPS_TEST_ADMIN_TOKEN (an
 *   admin bearer token), KUBEOPS_TEST_CLUSTER_DIR, KUBEOPS_TEST_FILES_DIR (the
 *   pod log file kwok serves), KUBEOPS_TEST_BIN_DIR (kubectl, kwokctl),
 *   KUBEOPS_TEST_AUDIT_LOG (the API server's audit log, Metadata level: who it
 *   saw on every request, impersonated or not), KUBEOPS_TEST_S3_* /
 *   KUBEOPS_TEST_AZURE_* / KUBEOPS_TEST_GCS_ENDPOINT (test/services/object-storage.sh).
 *   KUBEOPS_TEST_KAFKA_BROKERS and the rest of test/services/kafka.sh's env
 *   (KUBEOPS_TEST_KAFKA_SASL_BROKERS, _SASL_SSL_BROKERS, _MTLS_BROKERS, _USERNAME,
 *   _PASSWORD, _CA_FILE, _CLIENT_CERT_FILE, _CLIENT_KEY_FILE, _PROXY_PORT).
 * KUBEOPS_TEST_CLUSTER=0 skips the cluster, KUBEOPS_TEST_KAFKA=0 Kafka (for quick unit-only runs).
 */
const repo = resolve(import.meta.dirname, '../..');

function run(script: string, args: string[]): string {
  const out = execFileSync('bash', [resolve(repo, script), ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 60 * 60 * 1000,
  });
  const lines = out.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

export default function setup(): () => void {
  const stops: Array<() => void> = [];
  const keep = process.env.KUBEOPS_KEEP_TEST_ENV === '1';

  const services = readEnvFile(run('test/services/services.sh', ['up']));
  process.env.KUBEOPS_TEST_DATABASE_URL = services.DATABASE_URL;
  process.env.KUBEOPS_TEST_DATABASE_CA_FILE = services.DATABASE_CA_FILE;
  process.env.KUBEOPS_TEST_NATS_URL = services.NATS_URL;
  const startedServices = (services.STARTED ?? '').split(' ').filter(Boolean);
  if (!keep && startedServices.length > 0) {
    stops.push(() => run('test/services/services.sh', ['down', ...startedServices]));
  }

  // Object storage servers for the storage provider tests: S3 (versitygw), Azure Blob (Azurite), GCS (fake-gcs-server).
  const objects = readEnvFile(run('test/services/object-storage.sh', ['up']));
  for (const name of [
    'S3_ENDPOINT',
    'S3_ACCESS_KEY',
    'S3_SECRET_KEY',
    'AZURE_ENDPOINT',
    'AZURE_ACCOUNT',
    'AZURE_KEY',
    'GCS_ENDPOINT',
  ]) {
    process.env[`KUBEOPS_TEST_${name}`] = objects[name];
  }
  const startedObjects = (objects.STARTED ?? '').split(' ').filter(Boolean);
  if (!keep && startedObjects.length > 0) {
    stops.push(() => run('test/services/object-storage.sh', ['down', ...startedObjects]));
  }

  // Apache Kafka in KRaft mode, with SASL and TLS listeners (test/services/kafka.sh).
  if (process.env.KUBEOPS_TEST_KAFKA !== '0') {
    const kafka = readEnvFile(run('test/services/kafka.sh', ['up']));
    for (const [name, value] of Object.entries(kafka)) {
      if (name.startsWith('KAFKA_')) process.env[`KUBEOPS_TEST_${name}`] = value;
    }
    if (kafka.STARTED === 'kafka' && !keep)
      stops.push(() => run('test/services/kafka.sh', ['down']));
  }

  if (process.env.KUBEOPS_TEST_CLUSTER !== '0') {
    const cluster = readEnvFile(run('test/cluster/up.sh', []));
    process.env.KUBEOPS_TEST_KUBECONFIG = cluster.KUBECONFIG;
    process.env.KUBEOPS_TEST_SERVER = cluster.SERVER;
    process.env.KUBEOPS_TEST_CA_FILE = cluster.CA_FILE;
    process.env.KUBEOPS_TEST_ADMIN_TOKEN = readFileSync(cluster.ADMIN_TOKEN_FILE!, 'utf8').trim();
    process.env.KUBEOPS_TEST_CLUSTER_DIR = cluster.CLUSTER_DIR;
    process.env.KUBEOPS_TEST_FILES_DIR = cluster.FILES_DIR;
    process.env.KUBEOPS_TEST_BIN_DIR = cluster.BIN_DIR;
    process.env.KUBEOPS_TEST_AUDIT_LOG = cluster.AUDIT_LOG;
    if (cluster.STARTED === '1' && !keep) stops.push(() => run('test/cluster/down.sh', []));
  }

  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
