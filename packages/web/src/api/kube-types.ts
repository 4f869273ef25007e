/**
 * The shapes of the Kube manager's resource API (issue 4) that the console
 * relies on. They live here, apart from the rest of the client, until
 * @kubeops/contracts publishes its kube schemas; then these become
 * `Static<typeof …>` re-exports and nothing else changes.
 */

export interface ObjectMeta {
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
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

/** One resource type the cluster serves, from discovery. */
export interface ApiResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** CRD additionalPrinterColumns, or the server's columns for built-in types. */
  printerColumns?: PrinterColumn[];
  /** True for resources defined by a CustomResourceDefinition. */
  custom?: boolean;
}

export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
}

export interface ResourceListQuery {
  namespace?: string[];
  labelSelector?: string;
  fieldSelector?: string;
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
}

export interface ResourceList {
  items: KubeObject[];
  nextCursor: string | null;
  total?: number;
  resourceVersion?: string;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
  metadata: ObjectMeta;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

/** Per-document outcome of an apply or dry-run. */
export interface ApplyResult {
  index: number;
  kind?: string;
  name?: string;
  namespace?: string;
  ok: boolean;
  action?: string;
  object?: KubeObject;
  /** The object before the change, for the diff. */
  before?: KubeObject | null;
  diff?: string;
  error?: { code: string; message: string; field?: string };
}

export interface ApplyResponse {
  items: ApplyResult[];
}
