import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

// The CI audit step (npm run audit) run with the real npm against a local
// registry that answers npm's bulk advisory request as the public one does:
// advisories only for the packages asked about, and packuments for the fix lookup.
const repo = resolve(import.meta.dirname, '../..');
const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const versionOf = (name: string) => lock.packages[`node_modules/${name}`]?.version;

interface Advisory {
  severity: 'low' | 'moderate' | 'high' | 'critical';
}

let server: Server | undefined;
let nextId = 1;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function registry(
  advisories: Record<string, Advisory> | 'refuse',
): Promise<{ url: string; asked: string[][] }> {
  const asked: string[][] = [];
  const port = await freePort();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/-/npm/v1/security/advisories/bulk')) {
        if (advisories === 'refuse' || req.method !== 'POST') {
          res.writeHead(405, { allow: 'GET,HEAD' }).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const names = Object.keys(JSON.parse(body.toString('utf8')) as object);
        asked.push(names);
        const answer: Record<string, unknown[]> = {};
        for (const name of names) {
          const advisory = advisories[name];
          if (!advisory) continue;
          answer[name] = [
            {
              id: nextId++,
              url: `https://advisories.example/${name}`,
              title: `${name} is vulnerable`,
              severity: advisory.severity,
              vulnerable_versions: '<99.0.0',
              cwe: [],
              cvss: { score: 7.5, vectorString: null },
            },
          ];
        }
        res.end(JSON.stringify(answer));
        return;
      }
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      const version = versionOf(name);
      if (req.method === 'GET' && version) {
        res.end(
          JSON.stringify({
            name,
            'dist-tags': { latest: version },
            versions: { [version]: { name, version } },
          }),
        );
        return;
      }
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((done) => server!.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}/`, asked };
}

function runAudit(
  registryUrl: string,
  extra: string[] = [],
): Promise<{ code: number; out: string }> {
  // A cache of its own: npm keeps what it worked out per advisory, and must
  // not answer from another fake registry's (or the real one's) packuments.
  const cache = mkdtempSync(join(tmpdir(), 'kubeops-npm-audit-'));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test/tools/npm-audit.ts'),
        '--registry',
        registryUrl,
        ...extra,
      ],
      { cwd: repo, env: { ...process.env, npm_config_cache: cache } },
      (error, stdout, stderr) => {
        rmSync(cache, { recursive: true, force: true });
        done({ code: error ? ((error.code as number | undefined) ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

describe('npm run audit (CI)', () => {
  it('fails on a high advisory in a production dependency and names it', async () => {
    // ws is a server dependency; eslint is a dev-only tool.
    const fake = await registry({ ws: { severity: 'high' }, eslint: { severity: 'critical' } });
    const { code, out } = await runAudit(fake.url);
    expect(out).toMatch(/\[FAILS\] ws \(high\): ws is vulnerable/);
    expect(out).toMatch(/\[dev only\] eslint \(critical\)/);
    expect(out).not.toMatch(/\[FAILS\] eslint/);
    expect(code).toBe(1);
    // One request without dev dependencies (the image's set), one with them.
    expect(fake.asked.some((names) => names.includes('ws') && !names.includes('eslint'))).toBe(
      true,
    );
  }, 120_000);

  it('passes on dev-only and lower-severity advisories, listing them', async () => {
    const fake = await registry({
      ws: { severity: 'moderate' },
      eslint: { severity: 'critical' },
    });
    const { code, out } = await runAudit(fake.url);
    expect(out).toMatch(/\[production\] ws \(moderate\)/);
    expect(out).toMatch(/\[dev only\] eslint \(critical\)/);
    expect(out).toMatch(/0 high\/critical in production dependencies/);
    expect(code).toBe(0);
  }, 120_000);

  it('passes, saying it skipped, when the registry does not answer audits', async () => {
    const fake = await registry('refuse');
    const refused = await runAudit(fake.url);
    expect(refused.out).toMatch(/npm audit: skipped, the registry gave no advisories \(405/);
    expect(refused.code).toBe(0);

    const closed = await runAudit(`http://127.0.0.1:${await freePort()}/`, ['--fetch-retries=0']);
    expect(closed.out).toMatch(/npm audit: skipped/);
    expect(closed.code).toBe(0);
  }, 180_000);
});
