import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { TEST_NETWORK_ENV } from './network.js';
import { requiredEnv } from './env.js';

/**
 * The chart's scalable layout on this machine: `api` replicas, one `cdc` and
 * one `inspector`, each its own `kubeops serve --target=…` process, sharing a
 * scratch database on the test PostgreSQL and the test bus (NATS JetStream or
 * Kafka), with the api replicas behind a real HAProxy on loopback that checks
 * /readyz and passes WebSockets through, as an Ingress in front of the api
 * Service does.
 */

const repo = resolve(import.meta.dirname, '../..');
const main = join(repo, 'packages/server/src/cli/main.ts');
// The program from source (as every test spawns it): what runs is what is in the tree.
const node = ['--conditions=development', '--import', 'tsx', main];

export type BusKind = 'nats' | 'kafka';
export const ADMIN_PASSWORD = 'scale-layout-admin-password';

export interface ScaleLayoutOptions {
  bus: BusKind;
  apiReplicas?: number;
  /** Extra environment for every process (e.g. rate limits, lockout policy). */
  env?: Record<string, string>;
}

/** One `kubeops serve` process of the layout. */
export class ServerProcess {
  output = '';
  constructor(
    readonly name: string,
    readonly target: 'api' | 'cdc' | 'inspector',
    readonly port: number,
    readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.append(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.append(chunk));
  }

  /** Direct address, bypassing the balancer (to ask one replica in particular). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private append(chunk: Buffer): void {
    // The log of the last few hundred lines is enough to say why a process failed.
    this.output = (this.output + chunk.toString()).slice(-200_000);
  }

  /** What it said, without the request log lines. */
  said(): string {
    return this.output
      .split('\n')
      .filter((line) => !/"msg":"(incoming request|request completed)"/.test(line))
      .join('\n')
      .slice(-4000);
  }

  async untilReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.said()}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(
          `${this.name}: /readyz never answered 200 (last: ${last}):\n${this.said()}`,
        );
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** SIGKILL: no shutdown, no draining, as a node that dies. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The HAProxy configuration: round robin over the api replicas, each checked
 * on /readyz every 500 ms and taken out after two failures; an idempotent
 * request that failed to connect or got no answer from a replica that died
 * is sent again to another (retry-on + redispatch), never a POST; WebSocket
 * upgrades pass through with a long tunnel timeout.
 */
export function haproxyConfig(port: number, replicas: Array<{ name: string; port: number }>) {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    'frontend kubeops',
    `  bind 127.0.0.1:${port}`,
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    // Which replica answered (also on a WebSocket upgrade), so a test can kill that one.
    '  http-response set-header X-Served-By %s',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 2',
    ...replicas.map((r) => `  server ${r.name} 127.0.0.1:${r.port} check`),
    '',
  ].join('\n');
}

export class ScaleLayout {
  readonly api: ServerProcess[] = [];
  cdc: ServerProcess | undefined;
  inspector: ServerProcess | undefined;
  private haproxy: ChildProcess | undefined;
  private haproxyOutput = '';
  private readonly dirs: string[] = [];
  /** The balancer's address: what a user and the console reach. */
  url = '';
  readonly database = `kubeops_scale_${randomBytes(4).toString('hex')}`;
  private env: Record<string, string> = {};

  private constructor(readonly options: ScaleLayoutOptions) {}

  static async start(options: ScaleLayoutOptions): Promise<ScaleLayout> {
    const layout = new ScaleLayout(options);
    try {
      await layout.boot();
    } catch (error) {
      await layout.stop();
      throw error;
    }
    return layout;
  }

  private busEnv(run: string): Record<string, string> {
    if (this.options.bus === 'nats')
      return {
        KUBEOPS_BUS_NATS_URL: requiredEnv('KUBEOPS_TEST_NATS_URL'),
        KUBEOPS_BUS_NATS_STREAM: `KUBEOPS_SCALE_${run}`,
        KUBEOPS_BUS_NATS_SUBJECT_PREFIX: `scale${run}`,
        KUBEOPS_BUS_NATS_DURABLE: `scale${run}`,
      };
    return {
      KUBEOPS_BUS_KAFKA_BROKERS: requiredEnv('KUBEOPS_TEST_KAFKA_BROKERS'),
      KUBEOPS_BUS_KAFKA_TOPIC_PREFIX: `scale${run}.`,
      KUBEOPS_BUS_KAFKA_CONSUMER_GROUP: `scale${run}`,
      KUBEOPS_BUS_KAFKA_PARTITIONS: '2',
    };
  }

  private async boot(): Promise<void> {
    const admin = new pg.Client({ connectionString: requiredEnv('KUBEOPS_TEST_DATABASE_URL') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${this.database}`);
    } finally {
      await admin.end();
    }
    const url = new URL(requiredEnv('KUBEOPS_TEST_DATABASE_URL'));
    url.pathname = `/${this.database}`;
    const run = randomBytes(4).toString('hex');
    this.env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KUBEOPS_DATABASE_URL: url.toString(),
      KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      KUBEOPS_AUTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      KUBEOPS_HTTP_HOST: '127.0.0.1',
      // Only an event on the bus can close a socket within a test's seconds, not the periodic check.
      KUBEOPS_HTTP_WEB_SOCKET_ACCESS_CHECK_SECONDS: '3600',
      KUBEOPS_LOG_LEVEL: 'info',
      ...TEST_NETWORK_ENV,
      ...this.busEnv(run),
      ...this.options.env,
    };
    const replicas = this.options.apiReplicas ?? 2;
    const starting: Array<Promise<ServerProcess>> = [];
    for (let i = 0; i < replicas; i++) starting.push(this.spawnServer(`api-${i}`, 'api'));
    starting.push(this.spawnServer('cdc', 'cdc'), this.spawnServer('inspector', 'inspector'));
    const all = await Promise.all(starting);
    for (const p of all) {
      if (p.target === 'api') this.api.push(p);
      else this[p.target] = p;
    }
    await Promise.all(all.map((p) => p.untilReady()));
    await this.startBalancer();
  }

  private async spawnServer(
    name: string,
    target: 'api' | 'cdc' | 'inspector',
  ): Promise<ServerProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), `kubeops-scale-${name}-`));
    this.dirs.push(dataDir);
    const child = spawn(
      'nice',
      ['-n', '10', 'node', ...node, 'serve', `--target=${target}`, '--port', String(port)],
      {
        cwd: repo,
        env: { ...this.env, KUBEOPS_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new ServerProcess(name, target, port, child);
  }

  private async startBalancer(): Promise<void> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'kubeops-haproxy-'));
    this.dirs.push(dir);
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(port, this.api));
    const haproxy = haproxyBinary();
    const checked = spawnSync(haproxy, ['-c', '-f', file], { encoding: 'utf8' });
    if (checked.status !== 0)
      throw new Error(`haproxy refused its configuration:\n${checked.stdout}${checked.stderr}`);
    // -db: stay in the foreground, so SIGTERM to this child stops it.
    this.haproxy = spawn(haproxy, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const record = (chunk: Buffer) =>
      (this.haproxyOutput = (this.haproxyOutput + chunk.toString()).slice(-20_000));
    this.haproxy.stdout!.on('data', record);
    this.haproxy.stderr!.on('data', record);
    this.url = `http://127.0.0.1:${port}`;
    // Ready once a round over every replica succeeds twice in a row.
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.haproxy.exitCode !== null) throw new Error(`haproxy exited:\n${this.haproxyOutput}`);
      try {
        let ok = 0;
        for (let i = 0; i < this.api.length * 2; i++) {
          const res = await fetch(`${this.url}/readyz`);
          await res.arrayBuffer();
          if (res.ok) ok += 1;
        }
        if (ok === this.api.length * 2) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`haproxy never served a request:\n${this.haproxyOutput}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** What HAProxy said (its alerts and server state changes). */
  balancerLog(): string {
    return this.haproxyOutput;
  }

  /** A client of the scratch database (the caller ends it). */
  async databaseClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.env.KUBEOPS_DATABASE_URL });
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    if (this.haproxy && this.haproxy.exitCode === null) {
      const exited = new Promise((r) => this.haproxy!.once('exit', r));
      this.haproxy.kill('SIGTERM');
      await exited;
    }
    const all = [...this.api, this.cdc, this.inspector].filter(
      (p): p is ServerProcess => p !== undefined,
    );
    await Promise.all(all.map((p) => p.stop()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    if (this.env.KUBEOPS_DATABASE_URL) {
      const admin = new pg.Client({ connectionString: requiredEnv('KUBEOPS_TEST_DATABASE_URL') });
      await admin.connect();
      await admin
        .query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`)
        .catch(() => undefined);
      await admin.end();
    }
  }
}

/** Debian's haproxy, installed (serialised, like every test package) when missing. */
export function haproxyBinary(): string {
  const found = spawnSync('bash', ['-c', 'command -v haproxy || ls /usr/sbin/haproxy'], {
    encoding: 'utf8',
  });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim().split('\n')[0]!;
  const installed = spawnSync(
    'bash',
    ['-c', `source ${join(repo, 'test/lib/common.sh')} && install_packages haproxy`],
    { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (installed.status !== 0) throw new Error('could not install haproxy');
  return '/usr/sbin/haproxy';
}
