import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Manifest,
  helmOnlyPresets,
  presets,
  render,
  renderText,
  templateArgs,
} from './support/chart.js';
import {
  clusterKubernetesVersion,
  kubernetesOpenApi,
  readCrds,
  schemaLocationTemplate,
  writeSchemas,
} from './support/kube-schemas.js';
import { chartDir, installTools, repo, run } from './support/tools.js';

let helm = '';
let kubeconform = '';
let work = '';
let schemas = '';

beforeAll(() => {
  ({ helm, kubeconform } = installTools('helm', 'kubeconform'));
  work = mkdtempSync(join(tmpdir(), 'kubeops-chart-'));
  schemas = join(work, 'schemas');
  writeSchemas(
    schemas,
    kubernetesOpenApi(clusterKubernetesVersion()),
    readCrds(join(repo, 'test/deploy/crds')),
  );
}, 45 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'Job']);

interface Container {
  name: string;
  args?: string[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
}

function podSpec(m: Manifest): PodSpec {
  return (m.spec as { template: { spec: PodSpec } }).template.spec;
}

function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

describe('presets', () => {
  it('finds every documented deployment mode and environment', () => {
    expect(presets).toEqual(['dev', 'full', 'hybrid', 'ka', 'minimal', 'prod', 'staging']);
  });

  it.each(presets)('%s passes helm lint --strict', (preset) => {
    const result = run(helm, [
      'lint',
      chartDir,
      '--strict',
      '-f',
      `${chartDir}/values-${preset}.yaml`,
    ]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.each(presets)(
    '%s renders objects that kubeconform accepts against strict local schemas',
    (preset) => {
      const file = join(work, `${preset}.yaml`);
      writeFileSync(file, renderText(helm, { preset }));
      const result = run(kubeconform, [
        '-strict',
        '-summary',
        '-output',
        'json',
        '-schema-location',
        schemaLocationTemplate(schemas),
        file,
      ]);
      const report = JSON.parse(result.stdout) as {
        resources?: Array<{ kind: string; name: string; status: string; msg: string }>;
        summary: { valid: number; invalid: number; errors: number; skipped: number };
      };
      expect(report.resources ?? []).toEqual([]);
      expect(report.summary.invalid + report.summary.errors + report.summary.skipped).toBe(0);
      expect(report.summary.valid).toBeGreaterThan(5);
      expect(result.status).toBe(0);
    },
  );

  it('kubeconform rejects a misspelt field, so the schemas are really strict', () => {
    const file = join(work, 'typo.yaml');
    writeFileSync(
      file,
      renderText(helm, { preset: 'dev' }).replace('readinessProbe:', 'readinesProbe:'),
    );
    const result = run(kubeconform, [
      '-strict',
      '-schema-location',
      schemaLocationTemplate(schemas),
      file,
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("additional properties 'readinesProbe' not allowed");
  });

  it.each(presets)(
    '%s: every container has probes, requests, limits and a restricted security context',
    (preset) => {
      for (const workload of render(helm, { preset }).filter((m) => workloadKinds.has(m.kind))) {
        const spec = podSpec(workload);
        const where = `${preset} ${workload.kind}/${workload.metadata.name}`;
        expect(spec.securityContext?.runAsNonRoot, where).toBe(true);
        expect(spec.securityContext?.seccompProfile, where).toEqual({ type: 'RuntimeDefault' });
        for (const c of spec.containers) {
          expect(c.resources?.requests, `${where} requests`).toMatchObject({
            cpu: expect.anything(),
            memory: expect.anything(),
          });
          expect(c.resources?.limits, `${where} limits`).toMatchObject({
            cpu: expect.anything(),
            memory: expect.anything(),
          });
          expect(c.securityContext, where).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          if (workload.kind !== 'Job') {
            expect(c.readinessProbe, `${where} readiness`).toBeDefined();
            expect(c.livenessProbe, `${where} liveness`).toBeDefined();
          }
          if (c.name === 'kubeops') {
            expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
            expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
          }
        }
      }
    },
  );

  it.each(presets)('%s: only the KubeOps targets get a service account token', (preset) => {
    const manifests = render(helm, { preset });
    for (const sa of byKind(manifests, 'ServiceAccount')) {
      expect(sa.automountServiceAccountToken).toBe(false);
    }
    for (const workload of manifests.filter((m) => workloadKinds.has(m.kind))) {
      // The targets, and `helm test`'s kubeops doctor, which probes the cluster KubeOps runs in.
      const isKubeOps =
        workload.kind === 'Deployment' ||
        workload.metadata.annotations?.['helm.sh/hook'] === 'test';
      expect(podSpec(workload).automountServiceAccountToken, workload.metadata.name).toBe(
        isKubeOps,
      );
    }
  });

  it.each(presets)('%s: nothing secret is in a ConfigMap', (preset) => {
    const manifests = render(helm, { preset });
    for (const cm of byKind(manifests, 'ConfigMap')) {
      for (const key of Object.keys((cm.data as Record<string, string>) ?? {})) {
        expect(key).not.toMatch(/PASSWORD|TOKEN|SECRET|ENCRYPTION|ACCESS_KEY|ACCOUNT_KEY/);
      }
    }
  });

  it.each(presets)('%s: every $(VAR) in a container env is defined before it', (preset) => {
    const manifests = render(helm, { preset });
    const configKeys = new Map(
      byKind(manifests, 'ConfigMap').map((cm) => [
        cm.metadata.name,
        Object.keys((cm.data as object) ?? {}),
      ]),
    );
    for (const workload of manifests.filter((m) => workloadKinds.has(m.kind))) {
      for (const c of podSpec(workload).containers) {
        const defined = new Set(
          (c.envFrom ?? []).flatMap(
            (source) => configKeys.get(source.configMapRef?.name ?? '') ?? [],
          ),
        );
        // Kubernetes expands $(VAR) only from variables defined earlier; a later
        // or missing one stays in the value literally.
        for (const entry of c.env ?? []) {
          for (const [, ref] of (entry.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
            expect(
              defined.has(ref!),
              `${preset} ${workload.metadata.name}: ${entry.name} uses $(${ref})`,
            ).toBe(true);
          }
          defined.add(entry.name);
        }
      }
    }
  });

  it.each(presets)('%s: connections use the settings the server reads', (preset) => {
    const api = byKind(render(helm, { preset }), 'Deployment')[0]!;
    const env = new Map((podSpec(api).containers[0]!.env ?? []).map((e) => [e.name, e.value]));
    if (preset === 'dev') {
      // The embedded database: no URL at all.
      expect(env.has('KUBEOPS_DATABASE_URL')).toBe(false);
    } else {
      expect(env.get('KUBEOPS_DATABASE_URL')).toMatch(
        /^postgresql:\/\/[^@/]+@[^/]+\/\w+\?sslmode=[a-z-]+/,
      );
    }
    const nats = env.get('KUBEOPS_BUS_NATS_URL');
    if (nats !== undefined) expect(nats).toMatch(/^(nats|tls):\/\/[^/]+$/);
  });

  it.each(presets.filter((p) => !helmOnlyPresets.has(p)))(
    '%s renders identically every time, as GitOps needs',
    (preset) => {
      expect(renderText(helm, { preset })).toBe(renderText(helm, { preset }));
    },
  );

  it.each(presets)('%s: a default-deny NetworkPolicy covers every pod of the release', (preset) => {
    const policies = byKind(render(helm, { preset }), 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name.endsWith('-default-deny'));
    expect(deny?.spec).toMatchObject({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'kubeops' } },
      policyTypes: ['Ingress', 'Egress'],
    });
  });
});

describe('values.schema.json', () => {
  it('refers to nothing outside itself', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' || key === '$schema' || key === '$id')
            refs.push(`${key} ${String(value)}`);
          walk(value);
        }
      }
    };
    walk(JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')));
    expect(refs.filter((r) => r.startsWith('$ref') && !r.startsWith('$ref #/'))).toEqual([]);
    expect(refs.filter((r) => r.startsWith('$id'))).toEqual([]);
    expect(refs.filter((r) => r.startsWith('$ref')).length).toBeGreaterThan(5);
  });
});

describe('package', () => {
  it('packages as the chart users install, without tests or README sources', () => {
    const result = run(helm, ['package', chartDir, '--destination', work]);
    expect(result.status, result.stderr).toBe(0);
    const listing = run('tar', ['-tzf', join(work, 'kubeops-0.1.0.tgz')]).stdout.split('\n');
    expect(listing).toContain('kubeops/values.schema.json');
    expect(listing).toContain('kubeops/README.md');
    expect(listing).toContain('kubeops/values-ka.yaml');
    expect(
      listing.filter((f) => f.startsWith('kubeops/tests/') || f.endsWith('README.intro.md')),
    ).toEqual([]);
  });
});

describe('modes', () => {
  const key = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

  it('single mode runs every target in one Deployment', () => {
    const deployments = byKind(
      render(helm, { set: { 'secrets.encryptionKey': key } }),
      'Deployment',
    );
    expect(deployments.map((d) => podSpec(d).containers[0]!.args)).toEqual([
      ['serve', '--target=all'],
    ]);
  });

  it('scalable mode runs api, cdc and inspector as separate Deployments', () => {
    const deployments = byKind(render(helm, { preset: 'minimal' }), 'Deployment');
    expect(deployments.map((d) => [d.metadata.name, podSpec(d).containers[0]!.args])).toEqual([
      ['kubeops-api', ['serve', '--target=api']],
      ['kubeops-cdc', ['serve', '--target=cdc']],
      ['kubeops-inspector', ['serve', '--target=inspector']],
    ]);
  });
});

describe('validation', () => {
  it('lists every bad combination in one failure', () => {
    const result = run(
      helm,
      templateArgs({
        set: {
          'app.mode': 'scalable',
          'postgresql.bundled.enabled': 'true',
          'postgresql.external.enabled': 'true',
          'secrets.encryptionKey': 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
          'postgresql.bundled.password': 'pw',
        },
      }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('KubeOps values are invalid (4 problems)');
    expect(result.stderr).toContain(
      'postgresql: bundled.enabled and external.enabled are both true',
    );
    expect(result.stderr).toContain('postgresql.external.host: required');
    expect(result.stderr).toContain('app.mode=scalable needs an event bus');
    expect(result.stderr).toContain('storage.type=local in app.mode=scalable');
  });

  it('rejects values the schema does not know, naming the field', () => {
    const result = run(
      helm,
      templateArgs({ set: { 'app.mode': 'cluster', 'postgresql.extrnal.host': 'db' } }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("at '/app/mode': value must be one of 'single', 'scalable'");
    expect(result.stderr).toContain("additional properties 'extrnal' not allowed");
  });

  it('refuses to invent an encryption key unless told to, so a render never changes it', () => {
    const result = run(helm, templateArgs({}));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'secrets.encryptionKey: required for Secret key "encryption-key"',
    );
  });
});

describe('migrations Job', () => {
  const jobName = (set: Record<string, string>): string[] =>
    byKind(render(helm, { preset: 'minimal', set }), 'Job').map((j) => j.metadata.name);

  it('keeps its name while version and database settings stay the same', () => {
    expect(jobName({})).toEqual(jobName({ 'api.replicas': '5' }));
    expect(jobName({})[0]).toMatch(/^kubeops-migrate-[0-9a-f]{10}$/);
  });

  it('gets a new name for a new image or database', () => {
    const before = jobName({});
    expect(jobName({ 'image.tag': '9.9.9' })).not.toEqual(before);
    expect(jobName({ 'postgresql.external.host': 'other-db' })).not.toEqual(before);
  });

  it('runs before the application: a pre-upgrade hook on helm upgrade, sync wave -1 for Argo CD', () => {
    const install = byKind(render(helm, { preset: 'minimal' }), 'Job')[0]!;
    expect(install.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    const upgrade = byKind(
      render(helm, { preset: 'minimal', extraArgs: ['--is-upgrade'] }),
      'Job',
    )[0]!;
    expect(upgrade.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
      'argocd.argoproj.io/sync-wave': '-1',
    });
    const container = podSpec(upgrade).containers[0]!;
    // The hook runs before the ConfigMap is upgraded, so it carries its own settings.
    expect(container.envFrom).toBeUndefined();
    expect(container.env).toContainEqual({ name: 'KUBEOPS_DATA_DIR', value: '/var/lib/kubeops' });
    expect(container.env).toContainEqual({
      name: 'KUBEOPS_DATABASE_URL',
      value:
        'postgresql://kubeops:$(KUBEOPS_DATABASE_PASSWORD)@postgres.data.svc.cluster.local:5432/kubeops?sslmode=require&uselibpqcompat=true',
    });
  });
});

describe('Argo CD sync order', () => {
  const wave = (m: Manifest): number =>
    Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

  it.each(presets)(
    '%s: secrets, then databases, then migrations, then the application',
    (preset) => {
      const manifests = render(helm, { preset });
      // Argo CD does not run helm test hooks (kubeops doctor): they take no part in a sync.
      const synced = manifests.filter((m) => m.metadata.annotations?.['helm.sh/hook'] !== 'test');
      const waves = (kinds: string[]) => synced.filter((m) => kinds.includes(m.kind)).map(wave);
      const secrets = waves(['Secret', 'ExternalSecret', 'SealedSecret']);
      const databases = waves(['StatefulSet']);
      const migrations = waves(['Job']);
      const application = waves(['Deployment']);
      expect(application.length).toBeGreaterThan(0);
      expect(Math.max(...secrets, -3)).toBeLessThan(
        Math.min(...databases, -2, ...migrations, ...application),
      );
      expect(Math.max(...databases, -2)).toBeLessThan(Math.min(...migrations, -1, ...application));
      expect(Math.max(...migrations, -1)).toBeLessThan(Math.min(...application));
    },
  );
});

describe('cluster permissions', () => {
  it.each(presets)(
    '%s: the ClusterRole only impersonates and lists/watches, and never reads Secrets',
    (preset) => {
      const role = byKind(render(helm, { preset }), 'ClusterRole')[0]!;
      const rules = role.rules as Array<{
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }>;
      const verbs = new Set(rules.flatMap((r) => r.verbs));
      expect([...verbs].sort()).toEqual(['impersonate', 'list', 'watch']);
      for (const rule of rules) {
        expect(rule.resources).not.toContain('secrets');
        expect(rule.resources).not.toContain('*');
      }
      // KubeOps impersonates users and groups only: no ServiceAccounts, no UIDs.
      const impersonated = rules
        .filter((r) => r.verbs.includes('impersonate'))
        .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)));
      expect(impersonated.sort()).toEqual(['/groups', '/users']);
    },
  );
});
