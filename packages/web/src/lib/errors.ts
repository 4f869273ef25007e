import { ApiError } from '../api/http';

export interface MissingPermission {
  verb: string;
  resource: string;
  group: string;
  namespace: string | null;
}

/** Reads which permission the API server found missing from its 403 message. */
export function missingPermission(message: string): MissingPermission | null {
  const match =
    /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/.exec(
      message,
    );
  if (!match) return null;
  return { verb: match[1]!, resource: match[2]!, group: match[3]!, namespace: match[4] ?? null };
}

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** One sentence a person can act on, in their language. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.status === 403 && error.fromCluster) {
      const missing = missingPermission(error.message);
      if (missing) {
        return t('errors.clusterForbidden', {
          verb: missing.verb,
          resource: missing.group ? `${missing.resource}.${missing.group}` : missing.resource,
          where: missing.namespace
            ? t('errors.inNamespace', { namespace: missing.namespace })
            : t('errors.clusterWide'),
        });
      }
      return t('errors.clusterRefused', { message: error.message });
    }
    if (error.status === 403) return t('errors.platformForbidden', { message: error.message });
    if (
      error.status === 404 &&
      error.code === 'not_found' &&
      error.message.startsWith('No route')
    ) {
      return t('errors.notAvailable', { message: error.message });
    }
    if (error.status === 429) return t('errors.rateLimited', { message: error.message });
    if (error.code === 'cluster_unreachable')
      return t('errors.clusterUnreachable', { message: error.message });
    return error.message;
  }
  if (error instanceof TypeError) return t('errors.network');
  return error instanceof Error ? error.message : String(error);
}
