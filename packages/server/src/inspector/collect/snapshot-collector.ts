import type { KubeObject, Snapshot } from '@kubeops/inspect';
import { KubeOpsError } from '../../core/errors.js';
import type { KubeClient } from '../../kube/kube-client.js';
import {
  COLLECTED_KINDS,
  EVENT_KIND,
  apiVersionOf,
  listPath,
  type CollectedKind,
} from './kinds.js';
import { apiPath } from '../../kube/api-path.js';

const METADATA_ONLY_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const PAGE_SIZE = 500;
const PARALLEL_LISTS = 6;

export interface CollectOptions {
  /** Only this namespace's objects (plus the cluster-scoped kinds the rules need). */
  namespace?: string | undefined;
  /** The snapshot's time; the clock by default. */
  now?: Date;
  signal?: AbortSignal;
}

/** A kind the collector could not list; its rules see nothing of it. */
export interface SkippedKind {
  kind: string;
  reason: string;
}

export interface Collection {
  snapshot: Snapshot;
  skipped: SkippedKind[];
  durationMs: number;
}

interface ListBody {
  items?: Array<Record<string, unknown>>;
  metadata?: { continue?: string };
}

/**
 * Builds a Snapshot from a live cluster: lists the kinds the engine reads,
 * page by page, a few kinds at a time. A kind the caller may not list (403)
 * or the cluster does not serve (404) is reported, not fatal, so a user with
 * namespace rights still gets an inspection of what they can see.
 */
export class SnapshotCollector {
  constructor(private readonly client: KubeClient) {}

  async collect(options: CollectOptions = {}): Promise<Collection> {
    const started = performance.now();
    const skipped: SkippedKind[] = [];
    const kinds = [...COLLECTED_KINDS, EVENT_KIND];
    const results = new Map<CollectedKind, KubeObject[]>();
    let next = 0;
    const worker = async () => {
      while (next < kinds.length) {
        const kind = kinds[next++]!;
        try {
          results.set(kind, await this.listKind(kind, options));
        } catch (error) {
          const reason = unlistable(error);
          if (reason === undefined) throw error;
          if (!(kind.optional && reason === 'not served by this cluster')) {
            skipped.push({ kind: kind.kind, reason });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_LISTS }, worker));
    const objects: KubeObject[] = [];
    for (const kind of COLLECTED_KINDS) objects.push(...(results.get(kind) ?? []));
    return {
      snapshot: {
        objects,
        events: results.get(EVENT_KIND) ?? [],
        now: (options.now ?? new Date()).toISOString(),
        source: 'cluster',
      },
      skipped: skipped.sort((a, b) => a.kind.localeCompare(b.kind)),
      durationMs: Math.round(performance.now() - started),
    };
  }

  private async listKind(kind: CollectedKind, options: CollectOptions): Promise<KubeObject[]> {
    if (kind.kind === 'Namespace' && options.namespace) {
      const namespace = options.namespace;
      const one = await this.client
        .request<Record<string, unknown>>({
          path: apiPath('api', 'v1', 'namespaces', namespace),
          signal: options.signal,
        })
        .catch((error: unknown) => {
          if (error instanceof KubeOpsError && error.status === 404) {
            throw new KubeOpsError(
              'namespace_not_found',
              404,
              `namespace: ${namespace} does not exist in the cluster`,
              { details: { field: 'namespace', namespace } },
            );
          }
          throw error;
        });
      return [typed(one, kind)];
    }
    const out: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.request<ListBody>({
        path: listPath(kind, options.namespace),
        query: {
          limit: PAGE_SIZE,
          continue: token,
          // Normal events say things went as planned; the rules read warnings.
          fieldSelector: kind === EVENT_KIND ? 'type!=Normal' : undefined,
        },
        accept: kind.metadataOnly ? METADATA_ONLY_ACCEPT : undefined,
        signal: options.signal,
      });
      for (const item of page.items ?? []) out.push(typed(item, kind));
      token = page.metadata?.continue || undefined;
    } while (token);
    return out;
  }
}

/**
 * List items come without apiVersion and kind; metadata-only items carry the
 * meta kind. managedFields go: no rule reads them, and they are about 40% of
 * a pod, so a 10,000-pod snapshot holds far less memory without them.
 */
function typed(item: Record<string, unknown>, kind: CollectedKind): KubeObject {
  const { managedFields: _unused, ...metadata } = (item.metadata ??
    {}) as KubeObject['metadata'] & {
    managedFields?: unknown;
  };
  if (kind.metadataOnly) return { apiVersion: apiVersionOf(kind), kind: kind.kind, metadata };
  return { ...item, apiVersion: apiVersionOf(kind), kind: kind.kind, metadata };
}

function unlistable(error: unknown): string | undefined {
  if (!(error instanceof KubeOpsError) || !error.code.startsWith('kube_')) return undefined;
  if (error.status === 403) return 'forbidden: the credentials may not list it';
  if (error.status === 404) return 'not served by this cluster';
  return undefined;
}
