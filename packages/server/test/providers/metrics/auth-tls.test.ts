import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusApi } from '../../../src/providers/metrics/prometheus-api.js';
import { testCertificates } from '../../../../../test/support/test-ca.js';
import {
  startVictoriaMetrics,
  type VictoriaMetrics,
} from '../../../../../test/support/victoria-metrics.js';

describe('a metrics server behind basic authentication and a private CA', () => {
  const credentials = { username: 'kubeops', password: 'metrics-reader-secret' };
  let vm: VictoriaMetrics;
  let caFile: string;

  beforeAll(async () => {
    const files = testCertificates();
    caFile = files.ca;
    vm = await startVictoriaMetrics({
      basicAuth: credentials,
      tls: { certFile: files.cert, keyFile: files.key, ca: readFileSync(files.ca, 'utf8') },
    });
    const now = Date.now();
    await vm.import([
      {
        metric: { __name__: 'kubeops_probe', job: 'test' },
        values: [1, 2, 3],
        timestamps: [now - 120_000, now - 60_000, now],
      },
    ]);
  }, 60_000);
  afterAll(() => vm?.stop());

  const query = () => ({
    query: 'kubeops_probe',
    start: new Date(Date.now() - 300_000),
    end: new Date(),
    stepSeconds: 60,
  });

  it('answers with metrics.username/password and metrics.caFile', async () => {
    const api = new PrometheusApi({ url: vm.url, ...credentials, caFile, timeoutMs: 10_000 });
    const series = await api.queryRange(query());
    expect(series).toHaveLength(1);
    expect(series[0]!.metric.job).toBe('test');
  });

  it('is refused without the password, and without the CA the certificate is not trusted', async () => {
    const noPassword = new PrometheusApi({ url: vm.url, caFile, timeoutMs: 10_000 });
    await expect(noPassword.queryRange(query())).rejects.toMatchObject({
      code: 'metrics_unauthorized',
    });
    const noCa = new PrometheusApi({ url: vm.url, ...credentials, timeoutMs: 10_000 });
    await expect(noCa.queryRange(query())).rejects.toThrow(/certificate/i);
  });

  it('names metrics.caFile when it cannot be read', () => {
    expect(
      () => new PrometheusApi({ url: vm.url, caFile: '/nonexistent/ca.crt', timeoutMs: 1000 }),
    ).toThrow(/metrics\.caFile: cannot read \/nonexistent\/ca\.crt/);
  });
});
