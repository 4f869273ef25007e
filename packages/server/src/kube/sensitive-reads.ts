import type { ApiResource } from '@kubeops/contracts';

/**
 * Resources whose contents are credentials. KubeOps never holds them in a
 * platform cache: they are listed and watched as the user (the API server
 * checks every read and audits it under the user's name), and every read
 * through KubeOps is written to KubeOps's audit log with the actor.
 */
export function isSensitive(resource: Pick<ApiResource, 'group' | 'resource'>): boolean {
  return resource.group === '' && resource.resource === 'secrets';
}
