import { describe, expect, it } from 'vitest';
import { runInspection } from '../src/index.js';
import { bigSnapshot } from './perf-cluster.js';

describe('performance', () => {
  it('inspects 10,000 pods with metrics, events and logs, with every rule, in well under 3 seconds', () => {
    const snap = bigSnapshot();
    expect(snap.objects.filter((o) => o.kind === 'Pod')).toHaveLength(10_000);
    const start = performance.now();
    const result = runInspection(snap);
    const elapsed = performance.now() - start;
    expect(result.failures).toEqual([]);
    expect(result.findings.length).toBeGreaterThan(100);
    const rules = new Set(result.findings.map((f) => f.ruleId));
    for (const id of [
      'pod-crashloop',
      'service-selector-no-match',
      'cost-overprovisioned',
      'log-new-error-template',
    ]) {
      expect(rules).toContain(id);
    }
    expect(elapsed, `rule phase took ${elapsed.toFixed(0)} ms`).toBeLessThan(3000);
  });
});
