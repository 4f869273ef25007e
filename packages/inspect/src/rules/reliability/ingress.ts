import {
  annotationsOf,
  describe,
  field,
  list,
  num,
  refOf,
  str,
  type Json,
} from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export const ingressClassMissing: Rule = {
  id: 'ingress-class-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Ingress class is missing',
  description:
    'The Ingress names an IngressClass that does not exist, or names none while no default class exists.',
  check({ index }) {
    if (!index.canTellMissing('IngressClass')) return [];
    const classes = index.ofKind('IngressClass');
    const hasDefault = classes.some((c) => annotationsOf(c)[DEFAULT_CLASS_ANNOTATION] === 'true');
    return index.ofKind('Ingress').flatMap((ingress): FindingDraft[] => {
      const className = str(ingress, 'spec', 'ingressClassName');
      if (className === undefined) {
        if (annotationsOf(ingress)[CLASS_ANNOTATION] || hasDefault) return [];
        return [
          {
            object: ingress,
            severity: 'warning',
            message: `${describe(refOf(ingress))} names no ingress class and the cluster has no default IngressClass, so no controller may serve it.`,
            evidence: [{ type: 'field', path: 'spec.ingressClassName', value: null }],
            remediation: {
              summary:
                'Set spec.ingressClassName to the class of the controller that should serve it.',
              steps: ['kubectl get ingressclass'],
            },
          },
        ];
      }
      if (index.get('IngressClass', undefined, className)) return [];
      return [
        {
          object: ingress,
          message: `${describe(refOf(ingress))} uses IngressClass "${className}", which does not exist; no controller serves it.`,
          evidence: [{ type: 'field', path: 'spec.ingressClassName', value: className }],
          remediation: {
            summary:
              'Use an existing IngressClass or install the controller that provides this one.',
            steps: ['kubectl get ingressclass'],
          },
        },
      ];
    });
  },
};

interface Backend {
  path: string;
  service: string;
  port: string | number | undefined;
}

/** Backends in both networking.k8s.io/v1 and the old extensions/v1beta1 shapes. */
function backendsOf(ingress: KubeObject): Backend[] {
  const out: Backend[] = [];
  const read = (backend: unknown, path: string) => {
    const service = str(backend, 'service', 'name') ?? str(backend, 'serviceName');
    if (!service) return;
    const port =
      num(backend, 'service', 'port', 'number') ??
      str(backend, 'service', 'port', 'name') ??
      (field(backend, 'servicePort') as string | number | undefined);
    out.push({ path, service, port });
  };
  read(
    field(ingress, 'spec', 'defaultBackend') ?? field(ingress, 'spec', 'backend'),
    'spec.defaultBackend',
  );
  list(ingress, 'spec', 'rules').forEach((rule, r) =>
    list(rule, 'http', 'paths').forEach((p, i) =>
      read(field(p, 'backend'), `spec.rules[${r}].http.paths[${i}].backend`),
    ),
  );
  return out;
}

function servicePortExists(service: KubeObject, port: string | number | undefined): boolean {
  if (port === undefined) return true;
  return list(service, 'spec', 'ports').some((p: Json) =>
    typeof port === 'number'
      ? num(p, 'port') === port
      : str(p, 'name') === port || String(num(p, 'port')) === port,
  );
}

export const ingressBackendMissing: Rule = {
  id: 'ingress-backend-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Ingress backend Service is missing',
  description: 'An Ingress rule routes to a Service (or Service port) that does not exist.',
  check({ index }) {
    if (!index.canTellMissing('Service')) return [];
    return index.ofKind('Ingress').flatMap((ingress) =>
      backendsOf(ingress).flatMap((backend): FindingDraft[] => {
        const service = index.get('Service', ingress.metadata.namespace, backend.service);
        if (service && servicePortExists(service, backend.port)) return [];
        // An Ingress routes only within its namespace: a Service of that name elsewhere is the usual mix-up.
        const elsewhere = service
          ? []
          : index
              .ofKind('Service')
              .filter((s) => s.metadata.name === backend.service)
              .map((s) => s.metadata.namespace ?? '');
        const what = service
          ? `port ${backend.port} of Service "${backend.service}", which the Service does not expose`
          : elsewhere.length > 0
            ? `Service "${backend.service}", which exists only in namespace ${elsewhere.join(', ')} while an Ingress can route only to Services in its own namespace ${ingress.metadata.namespace}`
            : `Service "${backend.service}", which does not exist`;
        return [
          {
            object: ingress,
            detail: `${backend.service}:${backend.port ?? ''}`,
            message: `${describe(refOf(ingress))} routes ${backend.path} to ${what}; requests get 503.`,
            evidence: [
              {
                type: 'field',
                path: backend.path,
                value: { service: backend.service, port: backend.port },
              },
            ],
            remediation: {
              summary: 'Point the backend at an existing Service and port, or create the Service.',
              steps: [`kubectl get svc -n ${ingress.metadata.namespace}`],
            },
          },
        ];
      }),
    );
  },
};

const CERT_MANAGER_ANNOTATIONS = ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer'];

export const ingressTlsSecretMissing: Rule = {
  id: 'ingress-tls-secret-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Ingress TLS secret is missing',
  description:
    'The Secret named for TLS does not exist, so the controller serves a default certificate.',
  check({ index }) {
    if (!index.canTellMissing('Secret')) return [];
    const certificateSecrets = new Set(
      index
        .ofKind('Certificate')
        .map((c) => `${c.metadata.namespace}/${str(c, 'spec', 'secretName')}`),
    );
    return index.ofKind('Ingress').flatMap((ingress) => {
      const issued = CERT_MANAGER_ANNOTATIONS.some((a) => annotationsOf(ingress)[a] !== undefined);
      return list(ingress, 'spec', 'tls').flatMap((tls, i): FindingDraft[] => {
        const secretName = str(tls, 'secretName');
        if (!secretName || index.get('Secret', ingress.metadata.namespace, secretName)) return [];
        const managed =
          issued || certificateSecrets.has(`${ingress.metadata.namespace}/${secretName}`);
        // cert-manager creates the Secret later; only a live cluster without it is a problem.
        if (managed && index.source === 'manifests') return [];
        return [
          {
            object: ingress,
            detail: secretName,
            severity: managed ? 'warning' : 'high',
            message: managed
              ? `${describe(refOf(ingress))} expects cert-manager to issue TLS Secret "${secretName}", but it does not exist yet; the certificate has not been issued.`
              : `${describe(refOf(ingress))} uses TLS Secret "${secretName}" for ${strHosts(tls)}, but the Secret does not exist.`,
            evidence: [{ type: 'field', path: `spec.tls[${i}].secretName`, value: secretName }],
            remediation: {
              summary: managed
                ? 'Check the cert-manager Certificate and its Order/Challenge for the reason it is not issued.'
                : 'Create the TLS Secret (kubernetes.io/tls) or let cert-manager issue it.',
              steps: managed
                ? [`kubectl describe certificate -n ${ingress.metadata.namespace}`]
                : [
                    `kubectl create secret tls ${secretName} -n ${ingress.metadata.namespace} --cert=tls.crt --key=tls.key`,
                  ],
            },
          },
        ];
      });
    });
  },
};

function strHosts(tls: Json): string {
  const hosts = field(tls, 'hosts');
  return Array.isArray(hosts) && hosts.length > 0 ? hosts.join(', ') : 'all hosts';
}

export const ingressRules: Rule[] = [
  ingressClassMissing,
  ingressBackendMissing,
  ingressTlsSecretMissing,
];
