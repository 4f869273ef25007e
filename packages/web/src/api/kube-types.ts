import type { Static } from '@sinclair/typebox';
import type { ApiResource, NamespaceList, ResourceRow } from '@kubeops/contracts';

export type {
  ApiResource,
  ApplyDocumentResult,
  ApplyResult,
  ChangeResult,
  DiffEntry,
  Discovery,
  LogQuery,
  PrinterColumn,
  RelatedObject,
  ResourcePage,
  ResourceQuery,
  ResourceRow,
} from '@kubeops/contracts';
export type NamespaceListBody = Static<typeof NamespaceList>;

/** group/version/resource of one resource type; `group` is "" for the core group. */
export type ResourceRef = Pick<ApiResource, 'group' | 'version' | 'resource'>;

/**
 * A Kubernetes object as the API returns it. The contracts leave objects
 * untyped (any kind, any CRD); this names the metadata the console reads.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
    generation?: number;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface RowChange {
  type: WatchEventType;
  row: ResourceRow;
}
