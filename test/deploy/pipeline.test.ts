import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { presets } from './support/chart.js';
import {
  clusterKubernetesVersion,
  kubernetesOpenApi,
  readCrds,
  schemaLocationTemplate,
  writeSchemas,
} from './support/kube-schemas.js';
import { chartDir, installTools, repo, run } from './support/tools.js';

const argocd = join(repo, 'deploy/argocd');
const applicationFiles = readdirSync(join(argocd, 'applications'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(argocd, 'applications', f));

interface Application {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    project: string;
    source: { path: string; helm: { valueFiles: string[] } };
    destination: { server: string; namespace: string };
    syncPolicy: { automated?: unknown };
  };
}

let actionlint = '';
let kubeconform = '';
let shellcheck = '';
let work = '';

beforeAll(() => {
  ({ actionlint, kubeconform, shellcheck } = installTools(
    'actionlint',
    'kubeconform',
    'shellcheck',
  ));
  work = mkdtempSync(join(tmpdir(), 'kubeops-pipeline-'));
}, 45 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('CI workflow', () => {
  it('passes actionlint, with shellcheck on every run: script', () => {
    const result = run(actionlint, ['-no-color', '-shellcheck', shellcheck], { cwd: repo });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is really checked: actionlint rejects an unknown input and a bad expression', () => {
    const dir = join(work, 'bad/.github/workflows');
    run('mkdir', ['-p', dir]);
    writeFileSync(
      join(dir, 'ci.yaml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          fetch-dept: 1\n      - run: echo ${{ github.nope }}\n      - run: cp $HOME/a *.txt\n',
    );
    const result = run(actionlint, ['-no-color', '-shellcheck', shellcheck, join(dir, 'ci.yaml')]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('input "fetch-dept" is not defined');
    expect(result.stdout).toContain('property "nope" is not defined');
    expect(result.stdout).toContain('SC2086');
  });

  it('builds its tools with a script that passes shellcheck', () => {
    const result = run(shellcheck, ['-x', 'test/tools/install.sh'], { cwd: repo });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('lints, tests, then publishes the image and the chart as OCI', () => {
    const workflow = parse(readFileSync(join(repo, '.github/workflows/ci.yaml'), 'utf8')) as {
      jobs: Record<
        string,
        {
          needs?: string;
          steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>;
        }
      >;
    };
    expect(Object.keys(workflow.jobs)).toEqual(['lint', 'test', 'image', 'chart']);
    expect(workflow.jobs.test!.needs).toBe('lint');
    expect(workflow.jobs.image!.needs).toBe('test');
    expect(workflow.jobs.chart!.needs).toBe('image');
    const build = workflow.jobs.image!.steps.find((s) =>
      s.uses?.startsWith('docker/build-push-action'),
    );
    expect(build?.with).toMatchObject({ file: 'deploy/Dockerfile', push: true });
    const chartScript = workflow.jobs.chart!.steps.map((s) => s.run ?? '').join('\n');
    expect(chartScript).toContain('helm" package deploy/helm/kubeops');
    expect(chartScript).toMatch(/helm" push .* "oci:\/\/ghcr\.io\//);
  });
});

describe('Argo CD', () => {
  it('manifests are valid against the Argo CD CRD schemas', () => {
    const schemas = join(work, 'schemas');
    writeSchemas(
      schemas,
      kubernetesOpenApi(clusterKubernetesVersion()),
      readCrds(join(repo, 'test/deploy/crds')),
    );
    const result = run(kubeconform, [
      '-strict',
      '-summary',
      '-schema-location',
      schemaLocationTemplate(schemas),
      join(argocd, 'project.yaml'),
      join(argocd, 'applicationset.yaml'),
      ...applicationFiles,
    ]);
    expect(result.stdout).toContain(
      `Valid: ${applicationFiles.length + 2}, Invalid: 0, Errors: 0, Skipped: 0`,
    );
    expect(result.status).toBe(0);
  });

  it('has an Application for every environment preset, reading that preset', () => {
    const environments = presets.filter((p) => ['dev', 'staging', 'prod'].includes(p));
    const apps = applicationFiles.map((f) => parse(readFileSync(f, 'utf8')) as Application);
    expect(apps.map((a) => a.metadata.name)).toEqual(
      environments.map((e) => `kubeops-${e}`).sort(),
    );
    for (const app of apps) {
      const env = app.metadata.labels['kubeops.dev/environment']!;
      expect(app.spec.source.path).toBe('deploy/helm/kubeops');
      expect(app.spec.source.helm.valueFiles).toEqual([`values-${env}.yaml`]);
      expect(existsSync(join(chartDir, `values-${env}.yaml`))).toBe(true);
      expect(app.spec.destination.namespace).toBe(`kubeops-${env}`);
      // Production waits for an operator; the others sync on their own.
      expect(app.spec.syncPolicy.automated !== undefined).toBe(env !== 'prod');
    }
  });

  it('the ApplicationSet generates the same Applications, each allowed by the project', () => {
    const set = parse(readFileSync(join(argocd, 'applicationset.yaml'), 'utf8')) as {
      spec: {
        generators: Array<{
          list: { elements: Array<{ env: string; server: string; autoSync: boolean }> };
        }>;
        template: { metadata: { name: string }; spec: Application['spec'] };
        templatePatch: string;
      };
    };
    const project = parse(readFileSync(join(argocd, 'project.yaml'), 'utf8')) as {
      spec: { destinations: Array<{ server: string; namespace: string }> };
    };
    const apps = new Map(
      applicationFiles.map((f) => {
        const app = parse(readFileSync(f, 'utf8')) as Application;
        return [app.metadata.name, app];
      }),
    );
    const elements = set.spec.generators[0]!.list.elements;
    expect(elements.map((e) => `kubeops-${e.env}`).sort()).toEqual([...apps.keys()].sort());
    const fill = (text: string, e: Record<string, unknown>): string =>
      text.replace(/\{\{ \.(\w+) \}\}/g, (_, key: string) => String(e[key]));
    for (const element of elements) {
      const app = apps.get(`kubeops-${element.env}`)!;
      const generated = JSON.parse(
        fill(JSON.stringify(set.spec.template.spec), element),
      ) as Application['spec'];
      const { automated, ...syncRest } = app.spec.syncPolicy as { automated?: unknown };
      expect(generated).toEqual({ ...app.spec, syncPolicy: syncRest });
      expect(element.autoSync).toBe(automated !== undefined);
      expect(project.spec.destinations).toContainEqual(generated.destination);
    }
    expect(set.spec.templatePatch).toContain('{{- if .autoSync }}');
  });
});
