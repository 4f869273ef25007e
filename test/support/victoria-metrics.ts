import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** One imported series: labels (with __name__) and samples at epoch milliseconds. */
export interface ImportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** A real VictoriaMetrics single-node server on a loopback port, with its data in a temp dir. */
export interface VictoriaMetrics {
  url: string;
  import(series: ImportedSeries[]): Promise<void>;
  stop(): Promise<void>;
}

export interface VictoriaMetricsOptions {
  /** Refuse requests without these basic-auth credentials (-httpAuth.*). */
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with this certificate (PEM files); `ca` is the PEM of its issuer, for the helper's own calls. */
  tls?: { certFile: string; keyFile: string; ca: string };
}

export async function startVictoriaMetrics(
  options: VictoriaMetricsOptions = {},
): Promise<VictoriaMetrics> {
  const binary = execFileSync('bash', [join(import.meta.dirname, 'victoria-metrics.sh')], {
    encoding: 'utf8',
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'kubeops-vm-'));
  const port = await freePort();
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const { basicAuth, tls } = options;
  const authorization = basicAuth
    ? `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`
    : undefined;
  // The helper's own calls (health, import, flush), with the credentials and CA the server wants.
  const call = (path: string, body?: string) =>
    new Promise<{ ok: boolean; status: number; text: string }>((resolve, reject) => {
      const send = tls ? httpsRequest : httpRequest;
      const req = send(
        new URL(path, url),
        {
          method: body === undefined ? 'GET' : 'POST',
          headers: authorization ? { authorization } : {},
          ...(tls ? { ca: tls.ca } : {}),
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 300, status, text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const child: ChildProcess = spawn(
    binary,
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      // Imported samples must be queryable at once, including the newest ones.
      '-search.disableCache',
      '-search.latencyOffset=0s',
      ...(basicAuth
        ? [`-httpAuth.username=${basicAuth.username}`, `-httpAuth.password=${basicAuth.password}`]
        : []),
      ...(tls ? ['-tls', `-tlsCertFile=${tls.certFile}`, `-tlsKeyFile=${tls.keyFile}`] : []),
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const healthy = await call('/health').then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`VictoriaMetrics did not start on ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async import(series) {
      const body = series.map((s) => JSON.stringify(s)).join('\n');
      const res = await call('/api/v1/import', body);
      if (!res.ok) throw new Error(`import failed: HTTP ${res.status} ${res.text}`);
      const flushed = await call('/internal/force_flush');
      if (!flushed.ok) throw new Error(`force_flush failed: HTTP ${flushed.status}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
