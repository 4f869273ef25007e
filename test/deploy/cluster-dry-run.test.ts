import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests, presets, renderText } from './support/chart.js';
import { readCrds } from './support/kube-schemas.js';
import { installTools, repo, run, type RunResult } from './support/tools.js';

/**
 * Every rendered preset and the Argo CD manifests, applied to the local
 * kube-apiserver with a server-side dry-run and strict field validation, so
 * the API server itself (admission, defaulting, CRD schemas) accepts them.
 * The CRDs of the integrated operators come from test/deploy/crds.
 */
const kubeconfig = process.env.KUBEOPS_TEST_KUBECONFIG;
const crdDir = join(repo, 'test/deploy/crds');
const runId = randomBytes(3).toString('hex');

let helm = '';
let kubectl = '';
let work = '';
const createdNamespaces: string[] = [];
const createdCrds: string[] = [];

function kube(args: string[], input?: string): RunResult {
  return run(kubectl, ['--kubeconfig', kubeconfig!, ...args], input === undefined ? {} : { input });
}

function mustKube(args: string[], input?: string): string {
  const result = kube(args, input);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Creates a namespace the test owns, under the restricted Pod Security
 * Standard: the API server then warns about any pod template that would
 * violate it, and a warning fails the dry-run check below.
 */
function ensureNamespace(name: string): void {
  if (kube(['get', 'namespace', name]).status === 0) return;
  mustKube(['create', 'namespace', name]);
  createdNamespaces.push(name);
  mustKube([
    'label',
    'namespace',
    name,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/warn=restricted',
  ]);
}

/**
 * Server-side dry-run of a multi-document manifest, after creating the
 * namespaces it names. Every namespaced object names its namespace (Argo CD
 * applies manifests as rendered), so none is passed on the command line.
 */
function dryRun(manifest: string): RunResult {
  for (const ns of new Set(parseManifests(manifest).map((m) => m.metadata.namespace))) {
    if (ns) ensureNamespace(ns);
  }
  const file = join(work, `${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(file, manifest);
  return kube([
    'apply',
    '--server-side',
    '--dry-run=server',
    '--validate=strict',
    '--field-manager=kubeops-deploy-test',
    '-f',
    file,
  ]);
}

const suiteName = kubeconfig
  ? 'server-side dry-run on the local kube-apiserver'
  : 'server-side dry-run (skipped: KUBEOPS_TEST_KUBECONFIG is not set; the global test setup sets it when the local cluster runs)';

if (!kubeconfig) console.warn(suiteName);

describe.skipIf(!kubeconfig)(suiteName, () => {
  beforeAll(() => {
    ({ helm } = installTools('helm'));
    const build = run('bash', [join(repo, 'test/cluster/build.sh')]);
    if (build.status !== 0) throw new Error(`test/cluster/build.sh: ${build.stderr}`);
    kubectl = join(build.stdout.trim().split('\n').pop()!, 'kubectl');
    work = mkdtempSync(join(tmpdir(), 'kubeops-dry-run-'));

    for (const crd of readCrds(crdDir)) {
      const name = (crd.metadata as { name: string }).name;
      if (kube(['get', 'crd', name]).status !== 0) createdCrds.push(name);
    }
    mustKube(['apply', '--server-side', '--field-manager=kubeops-deploy-test', '-f', crdDir]);
    mustKube(['wait', '--for=condition=Established', '--timeout=60s', '-f', crdDir]);
  }, 45 * 60_000);

  afterAll(() => {
    for (const ns of createdNamespaces) kube(['delete', 'namespace', ns, '--wait=false']);
    for (const crd of createdCrds) kube(['delete', 'crd', crd, '--wait=false']);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(presets)('%s is accepted by the API server', (preset) => {
    const namespace = `kubeops-dry-run-${preset}-${runId}`;
    ensureNamespace(namespace);
    const result = dryRun(renderText(helm, { preset, namespace }));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/serverside-applied \(server dry run\)/);
  });

  it('the API server warns about a pod template the restricted standard forbids, so that check is real', () => {
    const namespace = `kubeops-dry-run-root-${runId}`;
    ensureNamespace(namespace);
    const manifest = renderText(helm, { preset: 'dev', namespace }).replace(
      'allowPrivilegeEscalation: false',
      'allowPrivilegeEscalation: true',
    );
    const result = dryRun(manifest);
    expect(result.stderr).toMatch(
      /would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
    );
  });

  it('the API server rejects a field the CRD does not declare, so the check is real', () => {
    const namespace = `kubeops-dry-run-bad-${runId}`;
    ensureNamespace(namespace);
    const manifest = renderText(helm, { preset: 'prod', namespace }).replace(
      'mtls:\n    mode: STRICT',
      'mtls:\n    mode: STRICT\n    strictness: high',
    );
    const result = dryRun(manifest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/strictness/);
  });

  it('the Argo CD project, Applications and ApplicationSet are accepted', () => {
    const files = [
      join(repo, 'deploy/argocd/project.yaml'),
      join(repo, 'deploy/argocd/applicationset.yaml'),
      ...readdirSync(join(repo, 'deploy/argocd/applications')).map((f) =>
        join(repo, 'deploy/argocd/applications', f),
      ),
    ];
    const manifest = files.map((f) => readFileSync(f, 'utf8')).join('\n---\n');
    const result = dryRun(manifest);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
