import { describe, field, list, refOf, type Json } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

/** Every backend of an Ingress with the path of its fields, for checks on their shape. */
function backendFields(ingress: KubeObject): Array<{ path: string; backend: Json }> {
  const out: Array<{ path: string; backend: Json }> = [];
  const add = (backend: unknown, path: string) => {
    if (backend && typeof backend === 'object') out.push({ path, backend: backend as Json });
  };
  add(field(ingress, 'spec', 'defaultBackend'), 'spec.defaultBackend');
  add(field(ingress, 'spec', 'backend'), 'spec.backend');
  list(ingress, 'spec', 'rules').forEach((rule, r) =>
    list(rule, 'http', 'paths').forEach((p, i) =>
      add(field(p, 'backend'), `spec.rules[${r}].http.paths[${i}].backend`),
    ),
  );
  return out;
}

/**
 * networking.k8s.io/v1 has no serviceName/servicePort (nor spec.backend):
 * the API server rejects them under strict field validation and otherwise
 * drops them, leaving a backend with no Service. Manifests converted from
 * extensions/v1beta1 by changing only the apiVersion look fine to a reader.
 */
export const ingressV1OldBackendFields: Rule = {
  id: 'ingress-v1-old-backend-fields',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Ingress v1 uses the removed serviceName/servicePort fields',
  description:
    'A networking.k8s.io/v1 Ingress whose backend uses serviceName/servicePort (or spec.backend) from extensions/v1beta1: the fields are not part of v1, so the route has no backend.',
  check({ index }) {
    return index.ofKind('Ingress').flatMap((ingress): FindingDraft[] => {
      if (ingress.apiVersion !== 'networking.k8s.io/v1') return [];
      const old = backendFields(ingress).filter(
        ({ path, backend }) =>
          path === 'spec.backend' ||
          backend.serviceName !== undefined ||
          backend.servicePort !== undefined,
      );
      return old.map(({ path, backend }) => {
        const name = typeof backend.serviceName === 'string' ? backend.serviceName : undefined;
        const port = backend.servicePort;
        const replacement = {
          service: {
            name: name ?? '<service>',
            port: typeof port === 'number' ? { number: port } : { name: String(port ?? 'http') },
          },
        };
        return {
          object: ingress,
          detail: path,
          message: `${describe(refOf(ingress))} is networking.k8s.io/v1 but ${path} uses the extensions/v1beta1 ${path === 'spec.backend' ? 'field spec.backend' : 'fields serviceName/servicePort'}, which v1 does not have: the API server rejects or drops them.`,
          evidence: [{ type: 'field', path, value: backend }],
          remediation: {
            summary:
              path === 'spec.backend'
                ? 'Rename spec.backend to spec.defaultBackend and use service.name/service.port.'
                : 'Write the backend as service.name and service.port.number (or .name).',
            steps: [`Replace ${path} with ${JSON.stringify(replacement)}.`],
          },
        };
      });
    });
  },
};

export const ingressFieldRules: Rule[] = [ingressV1OldBackendFields];
