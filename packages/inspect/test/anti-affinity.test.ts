import { describe, expect, it } from 'vitest';
import { deployment, findings, snapshot } from './fixtures.js';

const rule = 'pod-anti-affinity-selects-other-pods';
const withAntiAffinity = (app: string, extra: Record<string, unknown> = {}) =>
  deployment('web', {
    spec: {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { app } },
                ...extra,
              },
            },
          ],
        },
      },
    },
  });

describe('pod-anti-affinity-selects-other-pods', () => {
  it('reports anti-affinity whose selector names another app', () => {
    const [f] = findings(rule, snapshot([withAntiAffinity('api')]));
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('so its replicas can still run on one node');
    expect(f?.evidence[0]).toMatchObject({
      path: 'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector',
      value: 'app=api',
    });
    // Selecting its own labels but only in another namespace does not spread it either.
    expect(
      findings(rule, snapshot([withAntiAffinity('web', { namespaces: ['other'] })])),
    ).toHaveLength(1);
  });

  it('passes anti-affinity on its own pods, and workloads without anti-affinity', () => {
    expect(findings(rule, snapshot([withAntiAffinity('web'), deployment('plain')]))).toEqual([]);
  });
});
