import { markNamespaceDefaulted } from './kube/defaulted.js';
import { isRecord } from './kube/fields.js';
import type { InspectOptions, KubeObject, Snapshot } from './snapshot.js';

/** Kinds that live outside namespaces; every other kind gets a namespace when the manifest has none. */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** A manifest document that is not a Kubernetes object; names the document and the field. */
export class InvalidManifestError extends Error {
  readonly code = 'invalid_manifest';
  readonly status = 400;

  constructor(
    readonly document: number,
    readonly field: string,
    message: string,
  ) {
    super(`document ${document}: ${field} ${message}`);
    this.name = 'InvalidManifestError';
  }
}

export interface ManifestOptions {
  /** The time of the inspection (ISO); the engine never reads the clock itself. */
  now: string;
  /** Namespace for namespaced objects that declare none, as `kubectl apply -n` would use. */
  namespace?: string;
  options?: InspectOptions;
}

/**
 * Builds a snapshot from parsed manifests (for example `helm template`
 * output): empty documents are skipped, `List` objects are flattened, and any
 * status is dropped because a manifest's status is not the live state.
 */
export function snapshotFromManifests(documents: unknown[], options: ManifestOptions): Snapshot {
  const objects: KubeObject[] = [];
  const add = (document: unknown, position: number) => {
    if (document === null || document === undefined) return;
    if (!isRecord(document))
      throw new InvalidManifestError(position, '(document)', 'is not an object');
    if (
      document.kind === 'List' ||
      (typeof document.kind === 'string' &&
        document.kind.endsWith('List') &&
        Array.isArray(document.items))
    ) {
      for (const item of (document.items as unknown[]) ?? []) add(item, position);
      return;
    }
    const { apiVersion, kind, metadata } = document;
    if (typeof apiVersion !== 'string' || apiVersion === '') {
      throw new InvalidManifestError(position, 'apiVersion', 'must be a non-empty string');
    }
    if (typeof kind !== 'string' || kind === '')
      throw new InvalidManifestError(position, 'kind', 'must be a non-empty string');
    if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
      throw new InvalidManifestError(position, 'metadata.name', 'must be a non-empty string');
    }
    const { status: _status, ...declared } = document;
    const meta = { ...metadata };
    const object = { ...declared, apiVersion, kind, metadata: meta } as KubeObject;
    if (!isClusterScoped(kind) && typeof meta.namespace !== 'string') {
      meta.namespace = options.namespace ?? 'default';
      markNamespaceDefaulted(object);
    }
    objects.push(object);
  };
  documents.forEach((document, i) => add(document, i));
  return {
    objects,
    now: options.now,
    source: 'manifests',
    ...(options.options ? { options: options.options } : {}),
  };
}
