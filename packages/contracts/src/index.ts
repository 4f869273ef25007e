export * from './common.js';
export * from './health.js';
export * from './auth.js';
export * from './users.js';
export * from './roles.js';
export * from './audit.js';
export * from './clusters.js';
export * from './kube.js';
