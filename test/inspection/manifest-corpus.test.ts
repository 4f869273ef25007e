import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInspection } from '@kubeops/inspect';
import { loadManifests } from '../../packages/server/src/inspector/manifests.js';
import { PLANTED_MANIFEST_CASES } from './planted-manifests.js';
import { printScore, scoreCase, scoreCorpus } from './scoring.js';

const GOLDEN = resolve(import.meta.dirname, 'manifests/golden');
const OPTIONS = { productionNamespaces: ['shop'] };
const NOW = '2026-01-15T12:00:00Z';

async function golden() {
  return (await loadManifests([GOLDEN])).objects;
}

describe('planted faults in manifests', () => {
  it.each(['default', 'strict'] as const)(
    'the golden workload produces no finding (%s profile)',
    async (profile) => {
      const result = runInspection({
        objects: await golden(),
        now: NOW,
        source: 'manifests',
        options: { ...OPTIONS, profile },
      });
      expect(
        result.findings.map((f) => `${f.ruleId} ${f.resource.kind}/${f.resource.name}`),
      ).toEqual([]);
    },
  );

  it('finds the planted faults with high recall and precision', async () => {
    const outcomes = [];
    for (const planted of PLANTED_MANIFEST_CASES) {
      const objects = structuredClone(await golden());
      planted.mutate(objects);
      const result = runInspection({
        objects,
        now: NOW,
        source: 'manifests',
        options: { ...OPTIONS, profile: planted.profile ?? 'default' },
      });
      outcomes.push(scoreCase(planted.id, planted.expect, result.findings));
    }
    const score = scoreCorpus(outcomes);
    printScore(`manifest corpus (${PLANTED_MANIFEST_CASES.length} planted faults)`, score);
    expect(score.recall).toBeGreaterThanOrEqual(0.9);
    expect(score.precision).toBeGreaterThanOrEqual(0.8);
  });
});
