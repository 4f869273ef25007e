import { describe, list, refOf, str, type Json } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import type { KubeObject } from '../../snapshot.js';

/** One webhook of a validating or mutating configuration that calls an in-cluster Service. */
export interface WebhookService {
  config: KubeObject;
  webhook: Json;
  /** The webhook's name, or its position when it has none. */
  name: string;
  namespace: string;
  service: string;
  /** Fail (the API default) rejects every matching request while the webhook cannot answer. */
  blocking: boolean;
  failurePolicy: string;
}

export function webhookServices(index: SnapshotIndex): WebhookService[] {
  return index
    .ofKind('ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration')
    .flatMap((config) =>
      list(config, 'webhooks').flatMap((webhook, i): WebhookService[] => {
        const namespace = str(webhook, 'clientConfig', 'service', 'namespace');
        const service = str(webhook, 'clientConfig', 'service', 'name');
        if (!namespace || !service) return [];
        const failurePolicy = str(webhook, 'failurePolicy') ?? 'Fail';
        return [
          {
            config,
            webhook,
            name: str(webhook, 'name') ?? `#${i}`,
            namespace,
            service,
            failurePolicy,
            blocking: failurePolicy === 'Fail',
          },
        ];
      }),
    );
}

export const webhookServiceMissing: Rule = {
  id: 'webhook-service-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Admission webhook points at a missing Service',
  description:
    'A validating or mutating webhook calls a Service that does not exist; with failurePolicy Fail it blocks every matching API request.',
  check({ index }) {
    if (!index.canTellMissing('Service')) return [];
    return webhookServices(index).flatMap((hook): FindingDraft[] => {
      const { config, namespace, service: name, failurePolicy, blocking } = hook;
      if (index.get('Service', namespace, name)) return [];
      const webhookName = hook.name;
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
    });
  },
};

export const admissionRules: Rule[] = [webhookServiceMissing];
