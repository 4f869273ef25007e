import type { ApiResource } from '@kubeops/contracts';
import type { Config } from '../core/config.js';

/** Where a captured resource's changes go: the change history, or the shorter-lived Events table. */
export type CaptureTable = 'changes' | 'events';

export interface SelectedResource {
  resource: ApiResource;
  table: CaptureTable;
}

/** `deployments.apps`, or `configmaps` for the core group: how kubectl names a resource. */
export const resourceName = (r: Pick<ApiResource, 'group' | 'resource'>) =>
  r.group ? `${r.resource}.${r.group}` : r.resource;

function matches(pattern: string, r: ApiResource): boolean {
  if (pattern.startsWith('*.')) return r.group === pattern.slice(2);
  return pattern === resourceName(r);
}

/**
 * Which of the resources a cluster serves the cdc target watches: every
 * listable, watchable one in its group's preferred version (the same objects
 * under another version would be recorded twice), minus the configured
 * exclusions; Events go to their own table, and events.k8s.io, which serves
 * the very same Events again, is skipped.
 */
export function selectResources(
  config: Config['cdc'],
  cluster: string,
  served: ApiResource[],
): SelectedResource[] {
  const own = config.clusters[cluster];
  const include = own?.include ?? [];
  const exclude = [...config.exclude, ...(own?.exclude ?? [])];
  const selected: SelectedResource[] = [];
  for (const r of served) {
    if (!r.preferred || r.resource.includes('/')) continue;
    if (!r.verbs.includes('list') || !r.verbs.includes('watch')) continue;
    if (r.group === 'events.k8s.io' && r.resource === 'events') continue;
    if (include.length && !include.some((p) => matches(p, r))) continue;
    if (exclude.some((p) => matches(p, r))) continue;
    selected.push({
      resource: r,
      table: r.group === '' && r.resource === 'events' ? 'events' : 'changes',
    });
  }
  return selected;
}
