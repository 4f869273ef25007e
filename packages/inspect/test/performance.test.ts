import { beforeAll, describe, expect, it } from 'vitest';
import { runInspection, type InspectionOptions, type Snapshot } from '../src/index.js';
import { bigSnapshot } from './perf-cluster.js';

function timed(snap: Snapshot, options: InspectionOptions = {}) {
  const start = performance.now();
  const result = runInspection(snap, options);
  return { result, elapsed: performance.now() - start };
}

/**
 * The inspector is a long-running process, so the engine's code is compiled
 * before a real run; one small, separate snapshot warms it up. The measured
 * snapshot is fresh, so nothing about its objects is cached.
 */
describe('performance', () => {
  let full: Snapshot;
  beforeAll(() => {
    runInspection(bigSnapshot(1));
    full = bigSnapshot(20);
  });

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

  it('analyses 12 hours of usage history and the error logs of those workloads in under 3 seconds', () => {
    const { result, elapsed } = timed(full, { rules: ['cost-*', 'anomaly-*', 'log-*'] });
    const rules = new Set(result.findings.map((f) => f.ruleId));
    expect(rules).toContain('cost-overprovisioned');
    expect(rules).toContain('log-new-error-template');
    expect(elapsed, `usage and log phase took ${elapsed.toFixed(0)} ms`).toBeLessThan(3000);
  });
});
