import { describe, list, refOf, str } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

export const webhookServiceMissing: Rule = {
  id: 'webhook-service-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Admission webhook points at a missing Service',
  description:
    'A validating or mutating webhook calls a Service that does not exist; with failurePolicy Fail it blocks every matching API request.',
  check({ index }) {
    if (!index.canTellMissing('Service')) return [];
    return index
      .ofKind('ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration')
      .flatMap((config) =>
        list(config, 'webhooks').flatMap((webhook, i): FindingDraft[] => {
          const namespace = str(webhook, 'clientConfig', 'service', 'namespace');
          const name = str(webhook, 'clientConfig', 'service', 'name');
          if (!namespace || !name || index.get('Service', namespace, name)) return [];
          const failurePolicy = str(webhook, 'failurePolicy') ?? 'Fail';
          const blocking = failurePolicy === 'Fail';
          const webhookName = str(webhook, 'name') ?? `#${i}`;
          return [
            {
              object: config,
              detail: webhookName,
              severity: blocking ? 'critical' : 'warning',
              message:
                `Webhook "${webhookName}" of ${describe(refOf(config))} calls Service ${namespace}/${name}, which does not exist` +
                (blocking
                  ? '; with failurePolicy Fail, every request it matches is rejected.'
                  : '; its checks are skipped.'),
              evidence: [
                {
                  type: 'field',
                  path: `webhooks[${webhookName}].clientConfig.service`,
                  value: { namespace, name },
                },
                {
                  type: 'field',
                  path: `webhooks[${webhookName}].failurePolicy`,
                  value: failurePolicy,
                },
              ],
              remediation: {
                summary:
                  'Reinstall the component that serves the webhook, or delete the leftover webhook configuration.',
                steps: [
                  `kubectl get ${config.kind.toLowerCase()} ${config.metadata.name} -o yaml`,
                  'If the owning operator was uninstalled, delete the configuration.',
                ],
              },
            },
          ];
        }),
      );
  },
};

export const admissionRules: Rule[] = [webhookServiceMissing];
