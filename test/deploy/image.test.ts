import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, installTools, repo, run } from './support/tools.js';

const dockerfile = join(repo, 'deploy/Dockerfile');
const text = readFileSync(dockerfile, 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const runtime = instructions.slice(instructions.findLastIndex((i) => i.startsWith('FROM ')));

let hadolint = '';
let work = '';

beforeAll(() => {
  ({ hadolint } = installTools('hadolint'));
  work = mkdtempSync(join(tmpdir(), 'kubeops-image-'));
}, 45 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('deploy/Dockerfile', () => {
  it('passes hadolint at its strictest threshold', () => {
    const result = run(hadolint, ['--failure-threshold', 'style', dockerfile]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is really linted: hadolint rejects an unpinned, root, shell-form image', () => {
    const bad = join(work, 'Dockerfile');
    writeFileSync(bad, 'FROM node\nRUN cd /app && npm install\nCMD node main.js\n');
    const result = run(hadolint, ['--failure-threshold', 'style', bad]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/DL3006|DL3003|DL3025/);
  });

  it('builds in one stage and ships only production dependencies in another', () => {
    expect(instructions.filter((i) => i.startsWith('FROM ')).length).toBe(2);
    const build = instructions.join('\n');
    expect(build).toMatch(/npm install --no-audit --no-fund/);
    expect(build).toMatch(/RUN npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    const scripts = (
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.build).toBeDefined();
  });

  it('runs the kubeops program as one image for every target', () => {
    const server = JSON.parse(readFileSync(join(repo, 'packages/server/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    // The image holds the built program only; the `kubeops` launcher npm links in a
    // checkout starts that same file.
    const launcher = readFileSync(join(repo, 'packages/server', server.bin.kubeops!), 'utf8');
    const program = /new URL\('\.\.\/(dist\/[^']+)'/.exec(launcher)?.[1];
    expect(program).toBe('dist/cli/main.js');
    expect(runtime).toContain(`ENTRYPOINT ["node", "packages/server/${program}"]`);
    expect(runtime).toContain('CMD ["serve"]');
    expect(runtime.some((i) => i.startsWith('HEALTHCHECK'))).toBe(false);
  });

  it('runs as the numeric non-root UID the chart requires, with data on a volume', () => {
    const user = runtime.find((i) => i.startsWith('USER '));
    const uid = Number(/^USER (\d+):(\d+)$/.exec(user ?? '')?.[1]);
    expect(uid).toBeGreaterThan(0);
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
      pod: { securityContext: { runAsUser: number; runAsGroup: number } };
    };
    expect(values.pod.securityContext.runAsUser).toBe(uid);
    expect(runtime).toContain('VOLUME ["/var/lib/kubeops"]');
    expect(runtime.join('\n')).toMatch(/chown 10001:10001 \/var\/lib\/kubeops/);
  });

  it('keeps local installs, build output and test state out of the build context', () => {
    const ignored = readFileSync(join(repo, 'deploy/Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', 'test'])
      expect(ignored).toContain(entry);
  });
});
