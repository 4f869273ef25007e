import { KubeOpsError } from '../core/errors.js';

/**
 * A Kubernetes API path from its segments, each percent-encoded, so a value
 * taken from a request (a name, a namespace, a group) is always exactly one
 * segment: `/`, `?`, `#`, `%` and `..` in it cannot reach another URL.
 */
export function apiPath(...segments: string[]): string {
  return `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}

function refused(path: string, why: string): KubeOpsError {
  return new KubeOpsError(
    'invalid_kube_path',
    400,
    `Refusing to send ${JSON.stringify(path.slice(0, 200))} to the cluster: ${why}`,
    { details: { field: 'path' } },
  );
}

/**
 * Throws unless `path` is already in normal form: what the API server routes
 * is what was built. A path that would change when normalised (`.` or `..`
 * segments, empty segments, encoded slashes or dots that the server decodes,
 * a `?` or `#` that would start a query or fragment, malformed escapes) is
 * refused, whichever route built it. Queries travel separately (KubeRequest.query).
 */
export function assertNormalPath(path: string): void {
  if (!path.startsWith('/')) throw refused(path, 'it does not start with /');
  if (path === '/') return;
  if (/[?#\\\s]/.test(path)) throw refused(path, 'it contains ?, #, \\ or whitespace');
  for (const segment of path.slice(1).split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw refused(path, 'it contains a malformed %-escape');
    }
    if (decoded === '' || decoded === '.' || decoded === '..')
      throw refused(path, 'it contains an empty, "." or ".." segment');
    if (/[/\\?#%]/.test(decoded)) throw refused(path, 'a segment decodes to /, \\, ?, # or %');
  }
}
