import { stringify } from 'yaml';
import type { KubeObject } from '../api/kube-types';

/**
 * An object as a person edits it: without the server's bookkeeping that apply
 * would reject or ignore (managed fields, last-applied annotation) and without
 * status, which controllers write and apply leaves alone.
 */
export function editableManifest(object: KubeObject): Record<string, unknown> {
  const {
    managedFields: _m,
    selfLink: _s,
    ...metadata
  } = object.metadata as KubeObject['metadata'] & {
    managedFields?: unknown;
    selfLink?: unknown;
  };
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  const { status: _status, ...rest } = object;
  return {
    ...rest,
    metadata: {
      ...metadata,
      ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }),
    },
  };
}

export function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A label selector (matchLabels only) as the query string form `a=b,c=d`, or null. */
export function selectorString(object: KubeObject): string | null {
  const spec = (object.spec ?? {}) as {
    selector?: { matchLabels?: Record<string, string> } | Record<string, string>;
  };
  const selector = spec.selector;
  if (!selector) return null;
  const labels = ('matchLabels' in selector ? selector.matchLabels : selector) as
    Record<string, string> | undefined;
  if (!labels || typeof labels !== 'object') return null;
  const pairs = Object.entries(labels).filter(([, v]) => typeof v === 'string');
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(',') : null;
}
