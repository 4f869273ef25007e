import { describe, expect, it } from 'vitest';
import { runInspection, type Snapshot } from '../src/index.js';
import { bigSnapshot } from './perf-cluster.js';

function timed(snap: Snapshot) {
  const start = performance.now();
  const result = runInspection(snap);
  return { result, elapsed: performance.now() - start };
}

describe('performance', () => {
  const full = bigSnapshot();

  it('inspects 10,000 pods and their events with every rule in well under 3 seconds', () => {
    expect(full.objects.filter((o) => o.kind === 'Pod')).toHaveLength(10_000);
    const { result, elapsed } = timed({
      objects: full.objects,
      events: full.events,
      now: full.now,
    });
    expect(result.failures).toEqual([]);
    expect(result.findings.length).toBeGreaterThan(100);
    expect(elapsed, `rule phase took ${elapsed.toFixed(0)} ms`).toBeLessThan(3000);
  });

  it('adds 12 hours of usage history per workload and error logs in under 3 seconds more', () => {
    const { result, elapsed } = timed(full);
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
