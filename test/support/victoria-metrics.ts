import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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

export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const binary = execFileSync('bash', [join(import.meta.dirname, 'victoria-metrics.sh')], {
    encoding: 'utf8',
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'kubeops-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      // Imported samples must be queryable at once, including the newest ones.
      '-search.disableCache',
      '-search.latencyOffset=0s',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const healthy = await fetch(`${url}/health`).then(
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
      const res = await fetch(`${url}/api/v1/import`, { method: 'POST', body });
      if (!res.ok) throw new Error(`import failed: HTTP ${res.status} ${await res.text()}`);
      const flushed = await fetch(`${url}/internal/force_flush`);
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
