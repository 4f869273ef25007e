import { describe, expect, it } from 'vitest';
import { findings, obj, service, snapshot } from './fixtures.js';

const ingress = (spec: Record<string, unknown>, apiVersion = 'networking.k8s.io/v1') =>
  obj(apiVersion, 'Ingress', 'web', { spec }, { namespace: 'shop' });
const rule = (host: string, backend: Record<string, unknown>) => ({
  host,
  http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
});
const v1Backend = { service: { name: 'web', port: { number: 80 } } };

describe('ingress-tls-missing', () => {
  it('reports an Ingress without TLS, and hosts its TLS leaves out, with a patch', () => {
    const [plain] = findings(
      'ingress-tls-missing',
      snapshot([ingress({ rules: [rule('shop.example.com', v1Backend)] })]),
    );
    expect(plain?.message).toBe(
      'Ingress shop/web has no spec.tls, so shop.example.com is served over plain HTTP.',
    );
    expect(plain?.severity).toBe('low');
    const production = findings(
      'ingress-tls-missing',
      snapshot([ingress({ rules: [rule('shop.example.com', v1Backend)] })], {
        options: { productionNamespaces: ['shop'] },
      }),
    );
    expect(production[0]?.severity).toBe('warning');
    expect(plain?.remediation.patch?.body).toEqual({
      spec: { tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }] },
    });
    const partial = ingress({
      tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }],
      rules: [rule('shop.example.com', v1Backend), rule('api.example.com', v1Backend)],
    });
    expect(findings('ingress-tls-missing', snapshot([partial]))[0]?.message).toContain(
      'not for api.example.com',
    );
  });

  it('passes an Ingress whose TLS covers every host', () => {
    const covered = ingress({
      tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }],
      rules: [rule('shop.example.com', v1Backend)],
    });
    expect(findings('ingress-tls-missing', snapshot([covered]))).toEqual([]);
  });
});

describe('ingress-v1-old-backend-fields', () => {
  it('reports serviceName/servicePort and spec.backend in a v1 Ingress', () => {
    const old = ingress({
      backend: { serviceName: 'web', servicePort: 80 },
      rules: [rule('shop.example.com', { serviceName: 'web', servicePort: 'http' })],
    });
    const found = findings('ingress-v1-old-backend-fields', snapshot([old]));
    expect(found.map((f) => f.severity)).toEqual(['high', 'high']);
    expect(found.map((f) => f.remediation.steps[0]).join('\n')).toContain(
      '{"service":{"name":"web","port":{"name":"http"}}}',
    );
  });

  it('passes v1 backends, and the same fields in extensions/v1beta1 (api-deprecated reports that)', () => {
    expect(
      findings(
        'ingress-v1-old-backend-fields',
        snapshot([
          ingress({ rules: [rule('a', v1Backend)] }),
          ingress(
            { rules: [rule('a', { serviceName: 'web', servicePort: 80 })] },
            'extensions/v1beta1',
          ),
        ]),
      ),
    ).toEqual([]);
  });
});

describe('ingress-backend-missing across namespaces', () => {
  it('names the namespace where a Service of that name lives', () => {
    const [f] = findings(
      'ingress-backend-missing',
      snapshot([
        ingress({ rules: [rule('a', v1Backend)] }),
        service('web', { app: 'web' }, 'payments'),
      ]),
    );
    expect(f?.message).toContain(
      'exists only in namespace payments while an Ingress can route only to Services in its own namespace shop',
    );
    expect(
      findings(
        'ingress-backend-missing',
        snapshot([
          ingress({ rules: [rule('a', v1Backend)] }),
          service('web', { app: 'web' }, 'shop'),
        ]),
      ),
    ).toEqual([]);
  });
});
