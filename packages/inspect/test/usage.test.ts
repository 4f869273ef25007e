import { describe, expect, it } from 'vitest';
import { counterIncrease, linearFit, percentile } from '../src/stats/stats.js';
import { container, deployment, findings, pod, series, snapshot } from './fixtures.js';

const MI = 2 ** 20;
const sized = (
  requests: Record<string, string>,
  limits: Record<string, string> = { memory: '2Gi' },
) =>
  deployment('api', { replicas: 4, containers: [container({ resources: { requests, limits } })] });
const steady = (value: number, n = 48) =>
  Array.from({ length: n }, (_, i) => value * (1 + 0.05 * Math.sin(i)));

describe('statistics', () => {
  it('computes percentiles, linear fits and counter increases through resets', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 90)).toBeCloseTo(4.6);
    const fit = linearFit([0, 1, 2, 3].map((t) => ({ t, v: 10 + 2 * t })));
    expect(fit?.slope).toBeCloseTo(2);
    expect(fit?.r2).toBeCloseTo(1);
    expect(counterIncrease([3, 5, 9, 1, 4].map((v, t) => ({ t, v })))).toBe(10);
  });
});

describe('right-sizing', () => {
  it('reports over-provisioned requests with a recommendation, a patch and a monthly saving', () => {
    const d = sized({ cpu: '2', memory: '4Gi' });
    const p = pod('api-1', { owner: d });
    const metrics = [
      series('cpu.usage', p, steady(0.2)),
      series('memory.workingSet', p, steady(500 * MI)),
    ];
    const [f] = findings('cost-overprovisioned', snapshot([d, p], { metrics }));
    expect(f?.resource.name).toBe('api');
    expect(f?.message).toMatch(/requests 2 cpu but uses 2\d\dm at p90/);
    const saving = f?.evidence.find((e) => e.path === 'monthlySaving')?.value as {
      amount: number;
      currency: string;
    };
    // ~1.76 cores and ~3.4 GiB idle per replica, 4 replicas, default prices, 730 h.
    expect(saving.currency).toBe('USD');
    expect(saving.amount).toBeGreaterThan(200);
    expect(saving.amount).toBeLessThan(230);
    expect(f?.severity).toBe('warning');
    const requests = (
      f?.remediation.patch?.body as {
        spec: {
          template: {
            spec: { containers: Array<{ resources: { requests: Record<string, string> } }> };
          };
        };
      }
    ).spec.template.spec.containers[0]?.resources.requests;
    expect(requests?.cpu).toMatch(/^2\d\dm$/);
    expect(requests?.memory).toMatch(/^6\d\dMi$/);
  });

  it('uses the configured price sheet', () => {
    const d = sized({ cpu: '2', memory: '128Mi' });
    const metrics = [series('cpu.usage', d, steady(0.1))];
    const options = { priceSheet: { currency: 'EUR', cpuCoreHour: 1, hoursPerMonth: 100 } };
    const [f] = findings('cost-overprovisioned', snapshot([d], { metrics, options }));
    const saving = f?.evidence.find((e) => e.path === 'monthlySaving')?.value as {
      amount: number;
      currency: string;
    };
    expect(saving.currency).toBe('EUR');
    // (2 - p90 × 1.15) cores × 1 EUR × 100 h × 4 replicas
    expect(saving.amount).toBeGreaterThan(740);
    expect(saving.amount).toBeLessThan(760);
  });

  it('stays quiet when requests match usage or history is too short', () => {
    const d = sized({ cpu: '250m', memory: '600Mi' });
    const metrics = [
      series('cpu.usage', d, steady(0.2)),
      series('memory.workingSet', d, steady(500 * MI)),
    ];
    expect(findings('cost-overprovisioned', snapshot([d], { metrics }))).toEqual([]);
    expect(findings('cost-underprovisioned', snapshot([d], { metrics }))).toEqual([]);
    const short = [series('cpu.usage', sized({ cpu: '4' }), steady(0.1, 5))];
    expect(
      findings('cost-overprovisioned', snapshot([sized({ cpu: '4' })], { metrics: short })),
    ).toEqual([]);
  });

  it('reports usage above requests', () => {
    const d = sized({ cpu: '100m', memory: '256Mi' });
    const metrics = [series('memory.workingSet', d, steady(700 * MI))];
    const [f] = findings('cost-underprovisioned', snapshot([d], { metrics }));
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('against a request of 256Mi');
  });
});

describe('anomalies', () => {
  it('reports a restart spike against a quiet baseline, not a steadily restarting container', () => {
    const d = deployment('api');
    const p = pod('api-1', { owner: d });
    // 12 hours of history every 5 minutes: quiet, then 6 restarts in the last hour.
    const quiet = [
      ...Array.from({ length: 132 }, () => 1),
      ...Array.from({ length: 13 }, (_, i) => 1 + Math.floor(i / 2)),
    ];
    const [f] = findings(
      'anomaly-restart-spike',
      snapshot([d, p], { metrics: [series('container.restarts', p, quiet)] }),
    );
    expect(f?.resource.name).toBe('api');
    expect(f?.message).toContain('restarted 6 times in the last 60 minutes');
    // The same number of restarts every hour is the baseline, not a spike.
    const steadyRestarts = Array.from({ length: 145 }, (_, i) => Math.floor(i / 2));
    expect(
      findings(
        'anomaly-restart-spike',
        snapshot([d, p], { metrics: [series('container.restarts', p, steadyRestarts)] }),
      ),
    ).toEqual([]);
  });

  it('estimates when growing memory reaches the limit', () => {
    const d = deployment('api', {
      containers: [
        container({ resources: { requests: { memory: '256Mi' }, limits: { memory: '1Gi' } } }),
      ],
    });
    // +20 MiB every 5 minutes = 240 MiB/h, now at ~800 MiB: about an hour left.
    const growing = Array.from({ length: 24 }, (_, i) => (340 + 20 * i) * MI);
    const [f] = findings(
      'anomaly-memory-growth',
      snapshot([d], { metrics: [series('memory.workingSet', d, growing)] }),
    );
    expect(f?.severity).toBe('high');
    expect(f?.message).toMatch(
      /grows by 240Mi per hour and will reach its limit of 1Gi in about (4\d|5\d|6\d) minutes/,
    );
    const flat = Array.from({ length: 24 }, () => 500 * MI);
    expect(
      findings(
        'anomaly-memory-growth',
        snapshot([d], { metrics: [series('memory.workingSet', d, flat)] }),
      ),
    ).toEqual([]);
    const slow = Array.from({ length: 24 }, (_, i) => (300 + 0.01 * i) * MI);
    expect(
      findings(
        'anomaly-memory-growth',
        snapshot([d], { metrics: [series('memory.workingSet', d, slow)] }),
      ),
    ).toEqual([]);
  });

  it('reports CPU throttling from a ratio series or from CFS counters', () => {
    const d = deployment('api');
    const high = findings(
      'anomaly-cpu-throttling',
      snapshot([d], { metrics: [series('cpu.throttledRatio', d, steady(0.6, 12))] }),
    );
    expect(high[0]?.severity).toBe('high');
    expect(high[0]?.message).toContain('limit of 500m');
    const counters = [
      series(
        'cpu.periods',
        d,
        Array.from({ length: 12 }, (_, i) => i * 1000),
      ),
      series(
        'cpu.throttledPeriods',
        d,
        Array.from({ length: 12 }, (_, i) => i * 300),
      ),
    ];
    expect(
      findings('anomaly-cpu-throttling', snapshot([d], { metrics: counters }))[0]?.severity,
    ).toBe('warning');
    expect(
      findings(
        'anomaly-cpu-throttling',
        snapshot([d], { metrics: [series('cpu.throttledRatio', d, steady(0.05, 12))] }),
      ),
    ).toEqual([]);
  });
});
