import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../src/http/routes.js';
import { buildHealthApp } from '../src/server.js';
import { startTestApp, type TestApp } from './support/app.js';

describe('HTTP defaults', () => {
  let t: TestApp;
  const routes: RouteOptions[] = [];
  const recordRoutes: RouteModule = (app) => {
    app.addHook('onRoute', (route) => void routes.push(route));
  };

  beforeAll(async () => {
    t = await startTestApp('pglite', {}, []);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves health and readiness, and Prometheus metrics on the health port only', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.request({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ database: { ok: true }, migrations: { ok: true } });
    await t.request({ method: 'GET', url: '/api/v1/me' });
    t.ctx.metrics.registerCacheSize('example', () => 42);
    // The public API port (what the Ingress exposes) has no /metrics.
    expect((await t.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const health = await buildHealthApp(t.ctx);
    const metrics = (await health.inject({ method: 'GET', url: '/metrics' })).body;
    await health.close();
    expect(metrics).toMatch(
      /kubeops_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/me".*status_code="401"/,
    );
    expect(metrics).toMatch(/kubeops_db_pool_connections\{state="total"\} 1/);
    expect(metrics).toContain('kubeops_cache_entries{cache="example"} 42');
    expect(metrics).toContain('kubeops_websocket_connections');
  });

  it('reports not ready when the database is gone', async () => {
    t.ctx.readiness.register('example-provider', async () => ({ ok: false, message: 'down' }));
    const ready = await t.request({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks['example-provider']).toEqual({ ok: false, message: 'down' });
    t.ctx.readiness.register('example-provider', async () => ({ ok: true }));
  });

  it('sends strict security headers and no CORS by default', async () => {
    const response = await t.request({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://evil.example' },
    });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('makes up every request id itself, whatever the caller sent', async () => {
    const given = await t.request({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(given.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const made = await t.request({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\n' },
    });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('describes every API route in the OpenAPI document and serves the docs UI', async () => {
    const local = await startTestApp('postgres', {}, [recordRoutes]);
    try {
      const spec = (await local.request({ method: 'GET', url: '/api/openapi.json' })).json() as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(spec.openapi).toMatch(/^3\./);
      // OpenAPI 3 cannot describe a WebSocket, and @fastify/websocket hides those routes.
      const apiRoutes = routes.filter(
        (r) => r.url.startsWith('/api/v1/') && !(r as { websocket?: boolean }).websocket,
      );
      expect(apiRoutes.length).toBeGreaterThan(20);
      for (const route of apiRoutes) {
        const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
        for (const method of [route.method].flat()) {
          if (method === 'HEAD') continue;
          expect(spec.paths[path]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
        }
      }
      const docs = await local.request({ method: 'GET', url: '/api/docs/' });
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toContain('swagger');
    } finally {
      await local.close();
    }
  });
});

describe('HTTP options', () => {
  it('rate-limits with 429 and Retry-After', async () => {
    const t = await startTestApp('postgres', { rateLimit: { max: 3, windowSeconds: 60 } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await t.request({ method: 'GET', url: '/api/v1/me' });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(last!.json()).toMatchObject({ code: 'rate_limited' });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('allows only configured CORS origins and serves the web console with SPA fallback', async () => {
    const web = join(process.env.TMPDIR ?? '/tmp', `kubeops-web-${process.pid}`);
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>KubeOps console</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    const t = await startTestApp('postgres', {
      http: { corsOrigins: ['https://console.example'], webRoot: web },
    });
    try {
      const allowed = await t.request({
        method: 'GET',
        url: '/healthz',
        headers: { origin: 'https://console.example' },
      });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example');
      const denied = await t.request({
        method: 'GET',
        url: '/healthz',
        headers: { origin: 'https://evil.example' },
      });
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      const index = await t.request({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(index.body).toContain('KubeOps console');
      const asset = await t.request({ method: 'GET', url: '/assets/app.js' });
      expect(asset.body).toBe('console.log(1)');
      const deepLink = await t.request({
        method: 'GET',
        url: '/clusters/c1/pods',
        headers: { accept: 'text/html' },
      });
      expect(deepLink.statusCode).toBe(200);
      expect(deepLink.body).toContain('KubeOps console');
      const api404 = await t.request({
        method: 'GET',
        url: '/api/v1/nope',
        headers: { accept: 'text/html' },
      });
      expect(api404.statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
