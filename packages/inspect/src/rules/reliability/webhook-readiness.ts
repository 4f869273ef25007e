import { condition, describe, nameOf, record, refOf } from '../../kube/fields.js';
import { formatSelector, isEmptySelector, selectorFromMap } from '../../kube/selector.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { webhookServices } from './admission.js';

/**
 * K8sGPT's webhook analyzer: the Service exists but no ready pod stands
 * behind it, which fails admission calls exactly like a missing Service.
 */
export const webhookServiceNotReady: Rule = {
  id: 'webhook-service-not-ready',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Admission webhook Service has no ready pod',
  description:
    'A validating or mutating webhook calls a Service whose pods are all missing or not ready; with failurePolicy Fail every matching API request is rejected.',
  check({ index }) {
    // Manifests have no pods to be ready.
    if (index.source === 'manifests' || !index.canTellMissing('Pod')) return [];
    return webhookServices(index).flatMap((hook): FindingDraft[] => {
      const service = index.get('Service', hook.namespace, hook.service);
      const selector = selectorFromMap(record(service, 'spec', 'selector'));
      // Without a selector the endpoints are managed by hand; nothing to judge here.
      if (!service || !selector || isEmptySelector(selector)) return [];
      const pods = index.podsMatching(hook.namespace, selector);
      if (pods.some((p) => condition(p, 'Ready')?.status === 'True')) return [];
      return [
        {
          object: hook.config,
          detail: hook.name,
          severity: hook.blocking ? 'critical' : 'warning',
          message:
            `Webhook "${hook.name}" of ${describe(refOf(hook.config))} calls ${describe(refOf(service))}, which ${pods.length === 0 ? `selects no pod (${formatSelector(selector)})` : `has ${pods.length} pod${pods.length === 1 ? '' : 's'}, none ready`}` +
            (hook.blocking
              ? '; with failurePolicy Fail, every request it matches is rejected.'
              : '; its checks are skipped.'),
          evidence: [
            {
              type: 'field',
              path: `webhooks[${hook.name}].failurePolicy`,
              value: hook.failurePolicy,
            },
            { type: 'object', text: 'pods behind the Service', value: pods.map(nameOf).sort() },
          ],
          remediation: {
            summary:
              'Bring the webhook’s pods back (their own findings name why they are not ready).',
            steps: [
              `kubectl get pods -n ${hook.namespace} -l ${formatSelector(selector)}`,
              'If the component is gone for good, delete the webhook configuration.',
            ],
          },
        },
      ];
    });
  },
};

export const webhookReadinessRules: Rule[] = [webhookServiceNotReady];
