import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// One Node.js release everywhere: the image, CI and the tests run the one in
// .node-version; every package.json states the same supported minimum.
const repo = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');
const shipped = read('.node-version').trim();
const manifests = [
  'package.json',
  ...['contracts', 'inspect', 'server', 'web'].map((p) => `packages/${p}/package.json`),
];
const rootManifest = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const minimum = /^>=(\d+\.\d+)$/.exec(rootManifest.engines.node)?.[1] ?? '';
const work = mkdtempSync(join(tmpdir(), 'kubeops-node-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const numbers = (version: string) => version.split('.').map(Number);
const atLeast = (have: string, want: string) => {
  const [a, b] = [numbers(have), numbers(want)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

describe('the Node.js runtime', () => {
  it('is a supported LTS release, the same in the image and in CI', () => {
    expect(shipped).toMatch(/^\d+\.\d+\.\d+$/);
    // Even majors are the LTS lines; 20 left support on 2026-04-30.
    expect(Number(shipped.split('.')[0]) % 2).toBe(0);
    expect(atLeast(shipped, '22.12.0')).toBe(true);
    expect(read('deploy/Dockerfile')).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${shipped.replaceAll('.', '\\.')}-[a-z]+-slim$`, 'm'),
    );
    const workflow = parse(read('.github/workflows/ci.yaml')) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>;
    };
    const setups = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.filter((s) => s.uses?.startsWith('actions/setup-node')),
    );
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups)
      expect(step.with).toMatchObject({ 'node-version-file': '.node-version' });
  });

  it('is required alike by every package, with the types of the oldest release allowed', () => {
    expect(atLeast(shipped, minimum)).toBe(true);
    for (const path of manifests)
      expect((JSON.parse(read(path)) as { engines?: unknown }).engines, path).toEqual({
        node: rootManifest.engines.node,
      });
    expect(rootManifest.devDependencies['@types/node']).toMatch(
      new RegExp(`^\\^${minimum.split('.')[0]}\\.`),
    );
    expect(read('README.md')).toContain(`Node.js ${minimum} or later`);
  });

  /** Runs node.sh's `use_<which>_node` with `node` on PATH claiming to be `claimed`. */
  function useNode(which: 'shipped' | 'supported', claimed: string, env: NodeJS.ProcessEnv = {}) {
    const bin = mkdtempSync(join(work, 'bin-'));
    // A machine's node that reports an old (or new) release and otherwise is the real one, so npm still runs.
    writeFileSync(
      join(bin, 'node'),
      `#!/bin/sh\nif [ "$1" = -p ] && [ "$2" = process.versions.node ]; then echo ${claimed}; exit 0; fi\nexec "${process.execPath}" "$@"\n`,
    );
    chmodSync(join(bin, 'node'), 0o755);
    const result = spawnSync(
      'bash',
      [
        '-c',
        `set -euo pipefail; source test/lib/common.sh; source test/lib/node.sh; use_${which}_node; ` +
          'echo "node=$(command -v node)"; echo "version=$(node -e "process.stdout.write(process.version)")"; ' +
          'echo "nodedir=${npm_config_nodedir:-}"; echo "npm=$(npm exec -c "node -p process.version")"',
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, npm_config_nodedir: '', ...env },
        timeout: 5 * 60_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    return { bin, out: result.stdout, log: result.stderr };
  }

  it(
    'is installed from the npm registry and put first on PATH when the machine has an older one',
    () => {
      // A cache of its own: this is the download and unpack a fresh machine does.
      const cache = join(work, 'cache');
      const { bin, out, log } = useNode('shipped', '20.20.2', { KUBEOPS_CACHE: cache });
      expect(log).toContain(`installing Node.js ${shipped}`);
      expect(out).not.toContain(`node=${bin}/node`);
      expect(out).toContain(`node=${cache}/node-${shipped}/bin/node\n`);
      expect(out).toContain(`version=v${shipped}\n`);
      // npm and what it runs (npm install's scripts, node-gyp) use it too, with its headers.
      expect(out).toContain(`npm=v${shipped}\n`);
      expect(out).toContain(`nodedir=${cache}/node-${shipped}\n`);
      const header = readFileSync(
        join(cache, `node-${shipped}/include/node/node_version.h`),
        'utf8',
      );
      expect(header).toContain(`#define NODE_MAJOR_VERSION ${shipped.split('.')[0]}\n`);
      // Installed once: the next script finds it.
      expect(useNode('shipped', '20.20.2', { KUBEOPS_CACHE: cache }).log).not.toContain(
        'installing',
      );
    },
    5 * 60_000,
  );

  it(
    'keeps the machine node when it is recent enough',
    () => {
      const major = shipped.split('.')[0];
      const tests = useNode('shipped', `${major}.0.0`);
      expect(tests.out).toContain(`node=${tests.bin}/node\n`);
      const start = useNode('supported', `${minimum}.0`);
      expect(start.out).toContain(`node=${start.bin}/node\n`);
      // npm start still switches from a release below engines.node.
      expect(useNode('supported', '20.19.0').out).toMatch(
        new RegExp(`node=.*/node-${shipped}/bin/node\\n`),
      );
    },
    5 * 60_000,
  );

  it('is what npm start builds and serves with when the machine has an older one', () => {
    // Stand-ins that only say how they were called: the shipped node (already
    // "installed" in a cache of this test's own), npm, and the machine's old node.
    const cache = join(work, 'start-cache');
    const bin = join(work, 'start-bin');
    const say = (name: string, file: string, extra = '') => {
      writeFileSync(file, `#!/bin/sh\n${extra}echo "${name} $*" >>"${join(work, 'start.log')}"\n`);
      chmodSync(file, 0o755);
    };
    mkdirSync(join(cache, `node-${shipped}/bin`), { recursive: true });
    mkdirSync(bin, { recursive: true });
    say('shipped-node', join(cache, `node-${shipped}/bin/node`));
    say(
      'npm',
      join(bin, 'npm'),
      'echo "npm runs on $(command -v node)" >>"' + join(work, 'start.log') + '"\n',
    );
    say('old-node', join(bin, 'node'), 'if [ "$1" = -p ]; then echo 20.20.2; exit 0; fi\n');
    const result = spawnSync('bash', ['packages/server/scripts/start.sh', '--port', '9000'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, KUBEOPS_CACHE: cache },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(work, 'start.log'), 'utf8').split('\n')).toEqual([
      `npm runs on ${cache}/node-${shipped}/bin/node`,
      'npm run build',
      'shipped-node packages/server/dist/cli/main.js serve --port 9000',
      '',
    ]);
  });
});
