import { describe, expect, it } from 'vitest';
import { deployment, findings, obj, snapshot } from './fixtures.js';

const hpa = (min: number | undefined, max: number) =>
  obj(
    'autoscaling/v2',
    'HorizontalPodAutoscaler',
    'web',
    {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        ...(min === undefined ? {} : { minReplicas: min }),
        maxReplicas: max,
      },
    },
    { namespace: 'shop' },
  );
const pdb = (budget: Record<string, unknown>) =>
  obj(
    'policy/v1',
    'PodDisruptionBudget',
    'web',
    { spec: { selector: { matchLabels: { app: 'web' } }, ...budget } },
    { namespace: 'shop' },
  );

describe('hpa-max-availability', () => {
  it('reports an autoscaler whose maximum is not above its minimum', () => {
    const [f] = findings('hpa-max-availability', snapshot([hpa(3, 3)]));
    expect(f?.message).toBe(
      'HorizontalPodAutoscaler shop/web has maxReplicas 3 and minReplicas 3, so it never scales up.',
    );
    expect(f?.remediation.patch?.body).toEqual({ spec: { maxReplicas: 6 } });
    // minReplicas defaults to 1.
    expect(findings('hpa-max-availability', snapshot([hpa(undefined, 1)]))).toHaveLength(1);
  });

  it('passes an autoscaler with headroom', () => {
    expect(findings('hpa-max-availability', snapshot([hpa(2, 10)]))).toEqual([]);
  });
});

describe('pdb-min-available-above-hpa-min', () => {
  it('reports a budget whose minAvailable the autoscaler can scale below or onto', () => {
    const [f] = findings(
      'pdb-min-available-above-hpa-min',
      snapshot([deployment('web'), hpa(2, 10), pdb({ minAvailable: 2 })]),
    );
    expect(f?.resource.kind).toBe('PodDisruptionBudget');
    expect(f?.message).toContain('may scale down to 2: then no pod can be evicted');
    expect(f?.remediation.patch?.body).toEqual({
      spec: { maxUnavailable: 1, minAvailable: null },
    });
  });

  it('passes maxUnavailable budgets and minAvailable below minReplicas', () => {
    for (const budget of [{ maxUnavailable: 1 }, { minAvailable: 1 }, { minAvailable: '50%' }]) {
      expect(
        findings(
          'pdb-min-available-above-hpa-min',
          snapshot([deployment('web'), hpa(2, 10), pdb(budget)]),
        ),
        JSON.stringify(budget),
      ).toEqual([]);
    }
  });
});
