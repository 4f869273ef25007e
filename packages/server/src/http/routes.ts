import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { registerAuditRoutes } from '../audit/routes.js';
import { registerAuthRoutes } from '../auth/routes/auth-routes.js';
import { registerMeRoutes } from '../auth/routes/me-routes.js';
import { registerRoleRoutes } from '../auth/routes/role-routes.js';
import { registerUserRoutes } from '../auth/routes/user-routes.js';
import { registerClusterRoutes } from '../clusters/routes.js';
import { registerKubeRoutes } from '../kube/routes.js';
import { registerInspectorRoutes } from '../inspector/routes.js';
import { registerHistoryRoutes } from '../cdc/routes.js';
import { registerClusterUsageRoutes } from '../providers/metrics/usage-routes.js';

/** A module's routes: `register<Module>Routes(app, ctx)`. */
export type RouteModule = (app: FastifyInstance, ctx: ServerContext) => void | Promise<void>;

/**
 * Every route module of the api target, composed into one app. A new module
 * (clusters, kube, inspector, devops, …) adds its register function here.
 */
export const API_ROUTE_MODULES: RouteModule[] = [
  registerAuthRoutes,
  registerMeRoutes,
  registerUserRoutes,
  registerRoleRoutes,
  registerAuditRoutes,
  registerClusterRoutes,
  registerKubeRoutes,
  registerInspectorRoutes,
  registerHistoryRoutes,
  registerClusterUsageRoutes,
];
