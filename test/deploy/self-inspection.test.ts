import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectSource } from '../../packages/server/src/inspector/inspect-source.js';
import { presets, renderText } from './support/chart.js';
import { installTools } from './support/tools.js';

/**
 * KubeOps's own manifests are an example of the practices its inspector
 * checks: `kubeops inspect` on every rendered preset finds nothing at warning
 * severity or above (the production preset's namespace counts as production,
 * which makes the availability rules stricter).
 */
let helm = '';
let work = '';

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
    const outcome = await inspectSource({
      source: { kind: 'manifests', paths: [file] },
      failOn: 'warning',
      options: preset === 'prod' ? { productionNamespaces: [namespace] } : undefined,
    });
    const serious = outcome.report.result.findings
      .filter((f) => ['critical', 'high', 'warning'].includes(f.severity))
      .map((f) => `${f.severity} ${f.ruleId} ${f.resource.kind}/${f.resource.name}: ${f.message}`);
    expect(serious).toEqual([]);
    expect(outcome.report.result.failures).toEqual([]);
    expect(outcome.report.result.rulesRun.length).toBeGreaterThan(10);
  });
});
