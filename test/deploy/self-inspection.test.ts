import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '@kubeops/inspect';
import { inspectSource } from '../../packages/server/src/inspector/inspect-source.js';
import { type Manifest, parseManifests, presets, renderText } from './support/chart.js';
import { installTools } from './support/tools.js';

/**
 * KubeOps's own manifests are an example of the practices its inspector
 * checks: `kubeops inspect` on every rendered preset finds nothing at warning
 * severity or above (the production preset's namespace counts as production,
 * which makes the availability rules stricter).
 */
let helm = '';
let work = '';

/**
 * The server reads its database and NATS settings as URLs, so the chart builds
 * them in the container from Secret-held variables: `postgresql://user:$(KUBEOPS_DATABASE_PASSWORD)@host/db`.
 * Kubernetes expands `$(VAR)`; nothing secret is in the spec. The
 * env-credentials rule reads such a URL as a literal password: this tells that
 * case apart, and only that case, by looking at the values it points at.
 */
function onlyExpandedReferences(finding: Finding, manifests: Manifest[]): boolean {
  if (finding.ruleId !== 'env-credentials') return false;
  const workload = manifests.find(
    (m) => m.kind === finding.resource.kind && m.metadata.name === finding.resource.name,
  );
  const containers = (workload?.spec as { template?: { spec?: { containers?: unknown[] } } })
    ?.template?.spec?.containers as Array<{ env?: Array<{ name: string; value?: string }> }>;
  const values = new Map(containers?.flatMap((c) => c.env ?? []).map((e) => [e.name, e.value]));
  return finding.evidence.every((evidence) => {
    const name = /env\[(.+)\]\.value$/.exec(evidence.path ?? '')?.[1];
    const value = name === undefined ? undefined : values.get(name);
    return value !== undefined && /^[a-z]+:\/\/[^:@/]*:\$\([A-Z0-9_]+\)@[^@]+$/.test(value);
  });
}

beforeAll(() => {
  ({ helm } = installTools('helm'));
  work = mkdtempSync(join(tmpdir(), 'kubeops-self-inspection-'));
}, 45 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kubeops inspect on the chart', () => {
  it.each(presets)('%s has no finding at warning severity or above', async (preset) => {
    const namespace = `kubeops-${preset}`;
    const file = join(work, `${preset}.yaml`);
    const text = renderText(helm, { preset, namespace });
    writeFileSync(file, text);
    const manifests = parseManifests(text);
    const outcome = await inspectSource({
      source: { kind: 'manifests', paths: [file] },
      failOn: 'warning',
      options: preset === 'prod' ? { productionNamespaces: [namespace] } : undefined,
    });
    const serious = outcome.report.result.findings
      .filter((f) => ['critical', 'high', 'warning'].includes(f.severity))
      .filter((f) => !onlyExpandedReferences(f, manifests))
      .map((f) => `${f.severity} ${f.ruleId} ${f.resource.kind}/${f.resource.name}: ${f.message}`);
    expect(serious).toEqual([]);
    expect(outcome.report.result.failures).toEqual([]);
    expect(outcome.report.result.rulesRun.length).toBeGreaterThan(10);
  });
});
