import { describe, list, refOf, strings } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

/**
 * Polaris's tlsSettingsMissing: an Ingress without spec.tls serves its
 * hosts over plain HTTP, so credentials and cookies cross the network in
 * clear text.
 */
export const ingressTlsMissing: Rule = {
  id: 'ingress-tls-missing',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Ingress serves without TLS',
  description:
    'An Ingress without spec.tls (or whose TLS entries leave some of its hosts out) serves those hosts over plain HTTP; low outside production namespaces.',
  check({ index, isProduction }) {
    return index.ofKind('Ingress').flatMap((ingress): FindingDraft[] => {
      const covered = new Set(list(ingress, 'spec', 'tls').flatMap((t) => strings(t, 'hosts')));
      const tls = list(ingress, 'spec', 'tls');
      const hosts = [
        ...new Set(
          list(ingress, 'spec', 'rules')
            .map((r) => r.host)
            .filter((h): h is string => typeof h === 'string' && h !== ''),
        ),
      ];
      // A TLS entry without hosts covers the controller's default certificate for all of them.
      const uncovered =
        tls.length === 0
          ? hosts
          : tls.some((t) => strings(t, 'hosts').length === 0)
            ? []
            : hosts.filter((h) => !covered.has(h));
      if (tls.length > 0 && uncovered.length === 0) return [];
      const name = ingress.metadata.name;
      return [
        {
          object: ingress,
          // Plain HTTP is common and cheaper to live with on a development or test Ingress.
          severity: isProduction(ingress) ? 'warning' : 'low',
          message:
            tls.length === 0
              ? `${describe(refOf(ingress))} has no spec.tls, so ${hosts.length > 0 ? hosts.join(', ') : 'its routes'} ${hosts.length === 1 ? 'is' : 'are'} served over plain HTTP.`
              : `${describe(refOf(ingress))} has TLS, but not for ${uncovered.join(', ')}, which ${uncovered.length === 1 ? 'is' : 'are'} served over plain HTTP.`,
          evidence: [{ type: 'field', path: 'spec.tls', value: tls }],
          remediation: {
            summary:
              'Add a spec.tls entry for every host, with a certificate Secret (cert-manager can issue it).',
            steps: [
              'With cert-manager: annotate the Ingress with cert-manager.io/cluster-issuer and name a secretName.',
            ],
            patch: {
              type: 'merge',
              body: {
                spec: {
                  tls: [
                    ...tls,
                    { hosts: tls.length === 0 ? hosts : uncovered, secretName: `${name}-tls` },
                  ],
                },
              },
            },
          },
        },
      ];
    });
  },
};

export const ingressTlsRules: Rule[] = [ingressTlsMissing];
