import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { InvalidManifestError, runInspection, snapshotFromManifests } from '../src/index.js';
import { NOW } from './fixtures.js';

/** What `helm template shop ./chart` prints: several documents, some empty, no status, no namespaces. */
const HELM_OUTPUT = `
---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-web
spec:
  selector:
    app.kubernetes.io/name: shop-web
  ports:
    - port: 80
      targetPort: 8080
---
# Source: shop/templates/orphan-service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-admin
spec:
  selector:
    app.kubernetes.io/name: shop-admn
  ports:
    - port: 80
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
  labels:
    app.kubernetes.io/name: shop-web
    app.kubernetes.io/instance: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: shop-web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: shop-web
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/web:1.4.0
          ports:
            - containerPort: 8080
status:
  availableReplicas: 0
---
# Source: shop/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: shop-worker
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: shop-worker
  minReplicas: 2
  maxReplicas: 5
---
# Source: shop/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: shop-web
                port:
                  number: 80
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: shop-api
                port:
                  number: 80
---
`;

function parse(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJSON() as unknown);
}

describe('manifest mode', () => {
  const snap = snapshotFromManifests(parse(HELM_OUTPUT), { now: NOW, namespace: 'shop' });

  it('builds a snapshot: empty documents skipped, namespaces defaulted, status dropped', () => {
    expect(snap.source).toBe('manifests');
    expect(snap.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(
      [
        'Service/shop/shop-web',
        'Service/shop/shop-admin',
        'Deployment/shop/shop-web',
        'HorizontalPodAutoscaler/shop/shop-worker',
        'Ingress/shop/shop',
      ],
    );
    expect(snap.objects.some((o) => 'status' in o)).toBe(false);
  });

  it('runs the cross-object checks against the other manifests and keeps status rules quiet', () => {
    const { findings } = runInspection(snap);
    const ids = (id: string) => findings.filter((f) => f.ruleId === id).map((f) => f.resource.name);
    expect(ids('service-selector-no-match')).toEqual(['shop-admin']);
    expect(ids('hpa-target-missing')).toEqual(['shop-worker']);
    expect(
      findings.filter((f) => f.ruleId === 'ingress-backend-missing').map((f) => f.message),
    ).toEqual([expect.stringContaining('Service "shop-api"')]);
    // Secrets and IngressClasses are not in the chart: their absence proves nothing.
    expect(ids('ingress-tls-secret-missing')).toEqual([]);
    expect(ids('ingress-class-missing')).toEqual([]);
    // The declared status (availableReplicas: 0) must not count as live state.
    expect(ids('workload-unavailable')).toEqual([]);
    // Template rules still apply to the declared pods.
    expect(ids('container-liveness-probe-missing')).toEqual(['shop-web']);
  });

  it('flattens List objects and keeps cluster-scoped kinds without a namespace', () => {
    const list = snapshotFromManifests(
      [
        {
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
          ],
        },
      ],
      { now: NOW },
    );
    expect(list.objects.map((o) => o.metadata.namespace)).toEqual([undefined, 'default']);
  });

  it('rejects documents that are not Kubernetes objects, naming the document and field', () => {
    const bad = () =>
      snapshotFromManifests([{ apiVersion: 'v1', kind: 'Service', metadata: {} }], { now: NOW });
    expect(bad).toThrow(InvalidManifestError);
    expect(bad).toThrow('document 0: metadata.name must be a non-empty string');
    try {
      bad();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'invalid_manifest',
        status: 400,
        field: 'metadata.name',
      });
    }
  });
});
