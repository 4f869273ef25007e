import { describe, expect, it } from 'vitest';
import { deployment, findings, obj, snapshot } from './fixtures.js';

const policy = (name: string, spec: Record<string, unknown>) =>
  obj('networking.k8s.io/v1', 'NetworkPolicy', name, { spec }, { namespace: 'shop' });
const forApp = (app: string, rest: Record<string, unknown> = {}) =>
  policy(app, { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ...rest });

describe('workload-no-networkpolicy', () => {
  it('reports a workload no ingress policy selects in a namespace that has policies', () => {
    const found = findings(
      'workload-no-networkpolicy',
      snapshot([
        deployment('web'),
        deployment('api'),
        forApp('web'),
        // Egress-only policies do not restrict what comes in.
        forApp('api', { policyTypes: ['Egress'] }),
      ]),
    );
    expect(found.map((f) => f.resource.name)).toEqual(['api']);
    expect(found[0]?.remediation.create).toMatchObject({
      kind: 'NetworkPolicy',
      spec: { podSelector: { matchLabels: expect.objectContaining({ app: 'api' }) } },
    });
  });

  it('passes covered workloads, a default-deny policy, and namespaces without policies', () => {
    expect(
      findings('workload-no-networkpolicy', snapshot([deployment('web'), forApp('web')])),
    ).toEqual([]);
    const denyAll = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(
      findings(
        'workload-no-networkpolicy',
        snapshot([deployment('web'), deployment('api'), denyAll]),
      ),
    ).toEqual([]);
    // namespace-no-networkpolicy reports that case.
    expect(findings('workload-no-networkpolicy', snapshot([deployment('web')]))).toEqual([]);
  });
});

describe('networkpolicy-allows-all', () => {
  it('reports an ingress rule with no sources and no ports', () => {
    const [f] = findings(
      'networkpolicy-allows-all',
      snapshot([policy('open', { podSelector: {}, ingress: [{}] })]),
    );
    expect(f?.message).toBe(
      'NetworkPolicy shop/open has an ingress rule with no from and no ports, which admits all traffic to every pod in the namespace.',
    );
  });

  it('passes rules naming sources or ports, default-deny and egress-only policies', () => {
    const objects = [
      forApp('web', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }),
      forApp('api', { ingress: [{ ports: [{ port: 8080 }] }] }),
      policy('deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      policy('egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
    ];
    expect(findings('networkpolicy-allows-all', snapshot(objects))).toEqual([]);
  });
});
