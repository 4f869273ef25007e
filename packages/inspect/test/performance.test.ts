import { describe, expect, it } from 'vitest';
import { runInspection } from '../src/index.js';
import { bigCluster } from './perf-cluster.js';

describe('performance', () => {
  it('inspects 10,000 pods with every rule in well under 3 seconds', () => {
    const objects = bigCluster();
    expect(objects.filter((o) => o.kind === 'Pod')).toHaveLength(10_000);
    const start = performance.now();
    const result = runInspection({ objects, now: '2026-01-15T12:00:00Z' });
    const elapsed = performance.now() - start;
    expect(result.failures).toEqual([]);
    expect(result.findings.length).toBeGreaterThan(100);
    expect(elapsed).toBeLessThan(3000);
  });
});
