import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ServerContext } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { API_ROUTE_MODULES, type RouteModule } from '../../src/http/routes.js';
import {
  testContext,
  testEnvironment,
  type BackendName,
  type TestEnvironment,
} from './backends.js';

export const ADMIN_PASSWORD = 'correct-horse-battery-staple';

export interface TestApp {
  env: TestEnvironment;
  ctx: ServerContext;
  app: FastifyInstance;
  /** Request ids of every mutating request sent through `request`. */
  mutations: string[];
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    cookies?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  login(
    username?: string,
    password?: string,
  ): Promise<{ accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

export async function startTestApp(
  backend: BackendName = 'postgres',
  extraConfig: Record<string, unknown> = {},
  extraModules: RouteModule[] = [],
): Promise<TestApp> {
  const env = testEnvironment(backend);
  const ctx = await testContext(
    env.config({ auth: { adminPassword: ADMIN_PASSWORD }, ...extraConfig }),
  );
  const app = await buildApp(ctx, [...extraModules, ...API_ROUTE_MODULES]);
  await app.ready();
  const mutations: string[] = [];
  const test: TestApp = {
    env,
    ctx,
    app,
    mutations,
    async request({ method, url, token, body, headers = {}, cookies }) {
      const response = await app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
        ...(cookies ? { cookies } : {}),
      });
      if (method !== 'GET') mutations.push(String(response.headers['x-request-id']));
      return response;
    },
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const response = await test.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username, password },
      });
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
      const refresh = response.cookies.find((c) => c.name === 'kubeops_refresh');
      return { accessToken: response.json().accessToken as string, refreshToken: refresh!.value };
    },
    async close() {
      await app.close();
      await ctx.lifecycle.close();
      await env.cleanup();
    },
  };
  return test;
}
