import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../support/free-port.js';
import { TEST_NETWORK_ENV } from '../../support/network.js';

/**
 * What the console's end-to-end tests stand on: the real `kubeops serve`
 * built from this repository (its own data directory, a loopback port, a
 * schema of its own in the test PostgreSQL when there is one) serving the
 * built console, and Debian's Chromium driven by playwright-core.
 */

const repo = resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = join(repo, 'test-results/screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function ensureBrowser(): void {
  execFileSync('bash', [join(repo, 'test/e2e/ensure-browser.sh')], {
    stdio: 'inherit',
    timeout: 600_000,
  });
}

export async function launchBrowser(): Promise<Browser> {
  ensureBrowser();
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface KubeopsServer {
  url: string;
  adminUsername: string;
  adminPassword: string;
  /** Everything the server logged, for a failing test's message. */
  log(): string;
  /** Stops the process and starts it again on the same port, data and database; `downMs` keeps it down that long. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeopsOptions {
  /** The loopback port to listen on (a free one by default), for configuration that must name it in advance. */
  port?: number;
  /** Configure no admin password, so the server generates one on its first start (adminPassword is then ''). */
  generatedAdminPassword?: boolean;
  /** More configuration, as the `KUBEOPS_*` environment variables an operator would set. */
  env?: Record<string, string>;
}

/** Starts `kubeops serve --target=api` on a loopback port and waits until it is ready. */
export async function startKubeops(options: KubeopsOptions = {}): Promise<KubeopsServer> {
  const main = join(repo, 'packages/server/dist/cli/main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'kubeops-e2e-'));
  const port = options.port ?? (await freePort());
  const adminPassword = options.generatedAdminPassword
    ? ''
    : `e2e-${randomBytes(9).toString('base64url')}`;
  const databaseUrl = process.env.KUBEOPS_TEST_DATABASE_URL;
  const schema = `t_web_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBEOPS_DATA_DIR: dataDir,
    KUBEOPS_HTTP_HOST: '127.0.0.1',
    KUBEOPS_LOG_LEVEL: 'info',
    ...(adminPassword ? { KUBEOPS_AUTH_ADMIN_PASSWORD: adminPassword } : {}),
    KUBEOPS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // The tests sign in many times from one address.
    KUBEOPS_RATE_LIMIT_MAX: '100000',
    ...TEST_NETWORK_ENV,
    ...(databaseUrl ? { KUBEOPS_DATABASE_URL: databaseUrl, KUBEOPS_DATABASE_SCHEMA: schema } : {}),
    ...options.env,
  };
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [main, 'serve', '--target=api', `--port=${port}`], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`kubeops serve exited with ${child.exitCode}:\n${output}`);
      const ready = await fetch(`${url}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) return child;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`kubeops serve was not ready after 120 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const halt = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  let child = await launch();
  return {
    url,
    adminUsername: 'admin',
    adminPassword,
    log: () => output,
    async restart(downMs = 0) {
      await halt(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch();
    },
    async stop() {
      await halt(child);
      if (databaseUrl) {
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bearer token for calling the KubeOps API directly (setting up users and bindings). */
export async function apiToken(
  server: KubeopsServer,
  username: string,
  password: string,
): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { accessToken?: string; message?: string };
  if (!body.accessToken)
    throw new Error(`sign-in as ${username} failed: ${body.message ?? response.status}`);
  return body.accessToken;
}

export async function callApi<T>(
  server: KubeopsServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A fresh browser context (cookies, storage) in the given language, with errors collected. */
export async function newConsole(
  browser: Browser,
  locale = 'en-US',
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

export async function signIn(
  page: Page,
  server: KubeopsServer,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** Signs out from the user menu, as a person would, and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.click('[data-testid=user-menu]');
  await page.locator('.el-dropdown-menu__item:visible', { hasText: 'Sign out' }).click();
  await page.waitForURL('**/login**');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** kubectl against the test cluster as its administrator. */
export function kubectl(args: string[], input?: string): string {
  const bin = process.env.KUBEOPS_TEST_BIN_DIR;
  const kubeconfig = process.env.KUBEOPS_TEST_KUBECONFIG;
  if (!bin || !kubeconfig)
    throw new Error('run through vitest: the global setup provides the cluster');
  return execFileSync(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
}

/** The admin kubeconfig with certificates embedded, as a person pastes it into the console. */
export function flatKubeconfig(): string {
  return kubectl(['config', 'view', '--raw', '--flatten']);
}

/**
 * Lets platform admins (group kubeops:role:admin, as KubeOps impersonates
 * them) act as cluster-admin in the test cluster; returns how to take it back.
 */
export function grantClusterAdminToPlatformAdmins(): () => void {
  const name = `kubeops-e2e-admin-${randomBytes(4).toString('hex')}`;
  kubectl([
    'create',
    'clusterrolebinding',
    name,
    '--clusterrole=cluster-admin',
    '--group=kubeops:role:admin',
  ]);
  return () => kubectl(['delete', 'clusterrolebinding', name, '--ignore-not-found']);
}

/** Registers the test cluster under `name` through the API and waits until KubeOps reaches it. */
export async function registerCluster(
  server: KubeopsServer,
  token: string,
  name: string,
): Promise<void> {
  await callApi(server, token, 'POST', '/api/v1/clusters', {
    source: 'kubeconfig',
    kubeconfig: flatKubeconfig(),
    name,
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const cluster = await callApi<{ health: { state: string } }>(
      server,
      token,
      'POST',
      `/api/v1/clusters/${name}/probe`,
    );
    if (cluster.health.state === 'connected') return;
    if (Date.now() > deadline)
      throw new Error(`cluster ${name} is ${cluster.health.state} after 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
