import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logging.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { freePort } from '../../../../test/support/free-port.js';
import { ADMIN_PASSWORD } from '../support/app.js';
import { testEnvironment, type TestEnvironment } from '../support/backends.js';

describe('/metrics', () => {
  let env: TestEnvironment;
  let server: RunningServer;
  beforeAll(async () => {
    env = testEnvironment('pglite');
    const config = env.config({
      auth: { adminPassword: ADMIN_PASSWORD },
      http: { host: '127.0.0.1', port: await freePort(), metricsPort: await freePort() },
    });
    server = await startServer({ ...config, targets: ['api'] }, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    await env?.cleanup();
  });

  it('is not on the public API port, only on the health port beside it', async () => {
    const api = server.addresses.api!;
    const health = server.addresses.metrics!;
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const scraped = await fetch(`${health}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('kubeops_http_request_duration_seconds');
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    // The health port has no API at all.
    expect((await fetch(`${health}/api/v1/me`)).status).toBe(404);
  });
});
