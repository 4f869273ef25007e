import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type * as Sarif from 'sarif';
import { runInspectCommand, type InspectFlags } from '../../src/cli/inspect.js';

const repo = resolve(import.meta.dirname, '../../../..');
const GOLDEN = join(repo, 'test/inspection/manifests/golden/shop.yaml');

/** A chart's rendered output with three cross-object faults, as `helm template` prints it. */
const RENDERED = `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api-server
  ports:
    - port: 80
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: shop/api:latest
          securityContext:
            privileged: true
---
# Source: shop/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api-v2 }
  minReplicas: 2
  maxReplicas: 4
`;

async function run(flags: Partial<InspectFlags>, stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runInspectCommand(
    { output: 'table', ...flags },
    { stdout, stderr, stdin: Readable.from([stdin]) },
  );
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('kubeops inspect on manifests', () => {
  it('reads helm template output on stdin and checks references between its objects', async () => {
    const { code, stdout } = await run(
      { manifests: ['-'], output: 'json', namespace: 'shop' },
      RENDERED,
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      findings: Array<{
        ruleId: string;
        resource: { kind: string; namespace: string; name: string };
      }>;
    };
    const found = report.findings.map(
      (f) => `${f.ruleId} ${f.resource.kind}/${f.resource.namespace}/${f.resource.name}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'service-selector-no-match Service/shop/api',
        'hpa-target-missing HorizontalPodAutoscaler/shop/api',
        'container-privileged Deployment/shop/api',
        'image-tag-latest Deployment/shop/api',
        // The rendered output names no namespace: --namespace fills it in, the finding says so.
        'use-namespace Deployment/shop/api',
      ]),
    );
  });

  it('fails a CI gate at the --fail-on severity and passes below it', async () => {
    const failing = await run({ manifests: ['-'], failOn: 'critical' }, RENDERED);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('at or above critical');
    const clean = await run({ manifests: [GOLDEN], failOn: 'info' });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('No findings.');
  });

  it('leaves out findings below --min-severity but still fails on them', async () => {
    const { code, stdout } = await run(
      {
        manifests: ['-'],
        output: 'json',
        minSeverity: 'critical',
        failOn: 'low',
      },
      RENDERED,
    );
    const report = JSON.parse(stdout) as { findings: Array<{ severity: string }> };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.severity === 'critical')).toBe(true);
    expect(code).toBe(1);
  });

  it('writes SARIF 2.1.0 with rules, results and the line each object starts on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeops-inspect-'));
    const file = join(dir, 'rendered.yaml');
    await writeFile(file, RENDERED);
    const { code, stdout } = await run({ manifests: [file], output: 'sarif' });
    expect(code).toBe(0);
    const log = JSON.parse(stdout) as Sarif.Log;
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const sarifRun = log.runs[0]!;
    const rules = sarifRun.tool.driver.rules!;
    expect(rules.length).toBeGreaterThan(20);
    for (const rule of rules) expect(rule.shortDescription?.text).toBeTruthy();
    const results = sarifRun.results!;
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      // Every result points at its rule by id and index, as SARIF consumers resolve it.
      expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      expect(result.message.text).toBeTruthy();
      expect(result.partialFingerprints?.['kubeops/v1']).toMatch(/\w+/);
    }
    const hpa = results.find((r) => r.ruleId === 'hpa-target-missing')!;
    const physical = hpa.locations![0]!.physicalLocation!;
    expect(physical.artifactLocation!.uri).toMatch(/rendered\.yaml$/);
    // The HPA document starts on the line of its apiVersion.
    const hpaLine = RENDERED.split('\n').findIndex((l) =>
      l.startsWith('kind: HorizontalPodAutoscaler'),
    );
    expect(physical.region!.startLine).toBe(hpaLine); // apiVersion is the line before kind (1-based)
  });

  it('writes JUnit XML with a failing case per finding and passing cases for clean rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeops-inspect-'));
    const out = join(dir, 'report.xml');
    const { code } = await run(
      { manifests: ['-'], output: 'junit', outputFile: out, failOn: 'high' },
      RENDERED,
    );
    expect(code).toBe(1);
    const xml = await readFile(out, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toMatch(/<testsuite name="kubeops security" tests="\d+" failures="[1-9]\d*"/);
    expect(xml).toContain(
      '<testcase classname="kubeops.security.container-privileged" name="container-privileged Deployment/default/api">',
    );
    expect(xml).toMatch(/<failure type="critical|high"/);
    // Rules that found nothing appear as passing cases.
    expect(xml).toMatch(
      /<testcase classname="kubeops\.security\.rbac-wildcard" name="rbac-wildcard"\/>/,
    );
    const opened = (xml.match(/<testcase /g) ?? []).length;
    const closed = (xml.match(/<\/testcase>|<testcase [^>]*\/>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('adds the house-style checks only with --profile strict', async () => {
    const ruleIds = async (flags: Partial<InspectFlags>) => {
      const { stdout } = await run({ manifests: ['-'], output: 'json', ...flags }, RENDERED);
      return (JSON.parse(stdout) as { findings: Array<{ ruleId: string }> }).findings.map(
        (f) => f.ruleId,
      );
    };
    expect(await ruleIds({})).not.toContain('labels-recommended');
    expect(await ruleIds({ profile: 'default' })).not.toContain('labels-recommended');
    expect(await ruleIds({ profile: 'strict' })).toEqual(
      expect.arrayContaining(['labels-recommended', 'priority-class-not-set']),
    );
  });

  it('names the file and line of a YAML syntax error and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeops-inspect-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc: extra\n  labels: {}\n',
    );
    const { code, stderr } = await run({ manifests: [file] });
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.yaml:9: YAML syntax error/);
    expect(stderr).toContain('[invalid_manifest]');
  });

  it('refuses an object without a kind, and a path that does not exist', async () => {
    const noKind = await run({ manifests: ['-'] }, 'apiVersion: v1\nmetadata:\n  name: x\n');
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toContain('<stdin>:1: the object has no kind');
    const missing = await run({ manifests: ['/nonexistent/chart.yaml'] });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('manifests: /nonexistent/chart.yaml does not exist');
  });

  it('names the contexts a kubeconfig has when --context is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeops-inspect-'));
    const kubeconfig = join(dir, 'config');
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dev, context: {cluster: c, user: u}}]\ncurrent-context: dev\n',
    );
    const { code, stderr } = await run({ kubeconfig, context: 'prod' });
    expect(code).toBe(2);
    expect(stderr).toContain('context: prod is not in the kubeconfig (it has: dev)');
  });
});

describe('the kubeops program', () => {
  it('runs inspect as a subcommand with stdin and the exit code of the gate', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(repo, 'packages/server/src/cli/main.ts'),
          'inspect',
          '-f',
          '-',
          '-o',
          'json',
          '--fail-on',
          'high',
        ],
        { cwd: repo },
        (error, stdout) => done({ code: error ? (error.code as number) : 0, stdout }),
      );
      child.stdin!.end(RENDERED);
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).summary.total).toBeGreaterThan(0);
  });

  it('takes --profile and refuses a profile that does not exist', async () => {
    const inspect = (profile: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = execFile(
          process.execPath,
          [
            '--import',
            'tsx',
            join(repo, 'packages/server/src/cli/main.ts'),
            'inspect',
            '-f',
            '-',
            '-o',
            'json',
            '--profile',
            profile,
          ],
          { cwd: repo },
          (error, stdout, stderr) =>
            done({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
        child.stdin!.end(RENDERED);
      });
    const strict = await inspect('strict');
    expect(strict.code).toBe(0);
    const ids = (JSON.parse(strict.stdout) as { findings: Array<{ ruleId: string }> }).findings;
    expect(ids.map((f) => f.ruleId)).toContain('labels-recommended');
    const wrong = await inspect('lax');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('default, strict');
  });
});
