import { parseAllDocuments } from 'yaml';
import type {
  ApiResource,
  ApplyDocumentResult,
  ApplyResult,
  ChangeResult,
  PatchRequest,
} from '@kubeops/contracts';
import { KubeOpsError, invalidInput } from '../core/errors.js';
import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import { collectionPath, objectPath, type Discovery } from './discovery.js';
import { isKubeStatus } from './kube-error.js';
import { apiPath } from './api-path.js';
import { jsonDiff } from './json-diff.js';
import { assertNamespaceName, assertObjectName } from './object-names.js';
import type { KubeObject } from './watch-loop.js';

export const FIELD_MANAGER = 'kubeops';

/** Aliases a manifest document may expand; real manifests use a handful, a "billion laughs" millions. */
const MAX_ALIAS_COUNT = 100;

const PATCH_TYPES: Record<PatchRequest['type'], string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

const dryRunQuery = (dryRun?: boolean) => (dryRun ? { dryRun: 'All' } : {});

function stripBulk(object: KubeObject | undefined): KubeObject | undefined {
  if (object?.metadata) delete object.metadata.managedFields;
  return object;
}

function namespaceFor(resource: ApiResource, namespace: string | undefined): string | undefined {
  if (resource.namespaced && !namespace)
    throw invalidInput('namespace', `${resource.resource} are namespaced: name a namespace`);
  return resource.namespaced ? namespace : undefined;
}

/**
 * Reads and changes of single objects, always through the user's
 * (impersonating) client so the cluster's RBAC and admission decide. Each
 * change can be a dry run (dryRun=All on the API server) and returns the diff
 * between the object before and after.
 */
export class ObjectChanges {
  constructor(
    private readonly client: ImpersonatingClient,
    private readonly discovery: Discovery,
  ) {}

  async get(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject> {
    const object = await this.client.request<KubeObject>({
      path: objectPath(resource, namespaceFor(resource, namespace), name),
    });
    return stripBulk(object)!;
  }

  private async current(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.get(resource, namespace, name);
    } catch (error) {
      if (isKubeStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async create(
    resource: ApiResource,
    namespace: string | undefined,
    body: unknown,
    dryRun?: boolean,
  ): Promise<ChangeResult> {
    const object = await this.client.request<KubeObject>({
      method: 'POST',
      path: collectionPath(resource, namespaceFor(resource, namespace)),
      query: { ...dryRunQuery(dryRun), fieldManager: FIELD_MANAGER },
      body,
    });
    stripBulk(object);
    return { dryRun: !!dryRun, object, diff: jsonDiff(undefined, object) };
  }

  async patch(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    patch: PatchRequest,
    dryRun?: boolean,
  ): Promise<ChangeResult> {
    if (patch.type === 'json' && !Array.isArray(patch.patch))
      throw invalidInput('patch', 'a JSON patch is an array of operations');
    if (
      patch.type !== 'json' &&
      (typeof patch.patch !== 'object' || patch.patch === null || Array.isArray(patch.patch))
    ) {
      throw invalidInput('patch', `a ${patch.type} patch is an object`);
    }
    const before = await this.get(resource, namespace, name);
    const after = await this.client.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(resource, namespace, name),
      query: { ...dryRunQuery(dryRun), fieldManager: FIELD_MANAGER },
      contentType: PATCH_TYPES[patch.type],
      body: patch.patch,
    });
    stripBulk(after);
    return { dryRun: !!dryRun, object: after, diff: jsonDiff(before, after) };
  }

  async delete(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    options: { dryRun?: boolean | undefined; propagationPolicy?: string | undefined },
  ): Promise<ChangeResult> {
    const before = await this.get(resource, namespace, name);
    const answer = await this.client.request<KubeObject>({
      method: 'DELETE',
      path: objectPath(resource, namespace, name),
      query: dryRunQuery(options.dryRun),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      },
    });
    return {
      dryRun: !!options.dryRun,
      object: stripBulk(answer) ?? before,
      diff: jsonDiff(before, undefined),
    };
  }

  async scale(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    replicas: number,
    dryRun?: boolean,
  ): Promise<ChangeResult> {
    if (!resource.subresources.includes('scale'))
      throw invalidInput('resource', `${resource.resource} cannot be scaled`);
    const before = await this.get(resource, namespace, name);
    await this.client.request({
      method: 'PATCH',
      path: `${objectPath(resource, namespace, name)}/scale`,
      query: { ...dryRunQuery(dryRun), fieldManager: FIELD_MANAGER },
      contentType: PATCH_TYPES.merge,
      body: { spec: { replicas } },
    });
    const after = dryRun
      ? { ...before, spec: { ...(before.spec as object), replicas } }
      : await this.get(resource, namespace, name);
    return { dryRun: !!dryRun, object: after, diff: jsonDiff(before, after) };
  }

  /** `kubectl rollout restart`: a new pod template annotation makes the controller replace every pod. */
  restart(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    dryRun?: boolean,
  ): Promise<ChangeResult> {
    const patch = {
      spec: {
        template: {
          metadata: {
            annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
          },
        },
      },
    };
    return this.patch(resource, namespace, name, { type: 'merge', patch }, dryRun);
  }

  /** `kubectl rollout undo` for a Deployment: back to the pod template of the previous revision's ReplicaSet. */
  async undo(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    dryRun?: boolean,
  ): Promise<ChangeResult> {
    if (resource.kind !== 'Deployment')
      throw invalidInput('resource', 'rollout undo is supported for Deployments');
    const deployment = await this.get(resource, namespace, name);
    const replicaSets = await this.client.request<{ items: KubeObject[] }>({
      path: apiPath('apis', 'apps', 'v1', 'namespaces', namespace!, 'replicasets'),
    });
    const revision = (o: KubeObject) =>
      Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const owned = replicaSets.items
      .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid))
      .sort((a, b) => revision(b) - revision(a));
    const previous = owned[1];
    if (!previous)
      throw new KubeOpsError(
        'no_previous_revision',
        409,
        `Deployment ${name} has no previous revision to roll back to`,
      );
    const template = structuredClone(
      (previous.spec as { template: { metadata?: { labels?: Record<string, string> } } }).template,
    );
    delete template.metadata?.labels?.['pod-template-hash'];
    return this.patch(
      resource,
      namespace,
      name,
      { type: 'json', patch: [{ op: 'replace', path: '/spec/template', value: template }] },
      dryRun,
    );
  }

  /**
   * Server-side apply of every document of a manifest, in order. Each
   * document's outcome is reported on its own, so a bad document never hides
   * which others were applied.
   */
  async apply(
    manifest: string,
    options: {
      namespace?: string | undefined;
      dryRun?: boolean | undefined;
      force?: boolean | undefined;
    },
  ): Promise<ApplyResult> {
    const documents = parseAllDocuments(manifest);
    const results: ApplyDocumentResult[] = [];
    let index = 0;
    for (const document of documents) {
      const at = index++;
      const failure = (
        code: string,
        status: number,
        message: string,
        field: string | null,
        object?: Partial<KubeObject>,
      ): ApplyDocumentResult => ({
        index: at,
        kind: typeof object?.kind === 'string' ? object.kind : null,
        namespace: object?.metadata?.namespace ?? null,
        name: object?.metadata?.name ?? null,
        ok: false,
        error: { code, status, message, field },
      });
      if (document.errors.length > 0) {
        results.push(failure('invalid_yaml', 400, document.errors[0]!.message, null));
        continue;
      }
      let object: KubeObject | null;
      try {
        // An alias bomb (a few lines expanding to gigabytes) stops here: toJS counts alias expansions.
        object = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as KubeObject | null;
      } catch (error) {
        results.push(failure('invalid_yaml', 400, (error as Error).message, null));
        continue;
      }
      if (object === null || object === undefined) {
        index--;
        continue;
      }
      if (
        typeof object !== 'object' ||
        !object.apiVersion ||
        !object.kind ||
        !object.metadata?.name
      ) {
        const missing = !object?.apiVersion
          ? 'apiVersion'
          : !object.kind
            ? 'kind'
            : 'metadata.name';
        results.push(
          failure('invalid_request', 400, `${missing} is required`, missing, object ?? undefined),
        );
        continue;
      }
      const resource = await this.discovery.byKind(object.apiVersion, object.kind);
      if (!resource) {
        results.push(
          failure(
            'unknown_kind',
            400,
            `The cluster serves no kind ${object.kind} in ${object.apiVersion}`,
            'kind',
            object,
          ),
        );
        continue;
      }
      const namespace = resource.namespaced
        ? (object.metadata.namespace ?? options.namespace)
        : undefined;
      if (resource.namespaced && !namespace) {
        results.push(
          failure(
            'invalid_request',
            400,
            `${object.kind} ${object.metadata.name} names no namespace`,
            'metadata.namespace',
            object,
          ),
        );
        continue;
      }
      if (namespace) object.metadata.namespace = namespace;
      try {
        assertObjectName(resource, object.metadata.name, 'metadata.name');
        if (namespace) assertNamespaceName(namespace, 'metadata.namespace');
        const before = await this.current(resource, namespace, object.metadata.name);
        const after = await this.client.request<KubeObject>({
          method: 'PATCH',
          path: objectPath(resource, namespace, object.metadata.name),
          query: {
            ...dryRunQuery(options.dryRun),
            fieldManager: FIELD_MANAGER,
            ...(options.force ? { force: true } : {}),
          },
          contentType: 'application/apply-patch+yaml',
          body: JSON.stringify(object),
        });
        stripBulk(after);
        const diff = jsonDiff(before, after);
        results.push({
          index: at,
          kind: object.kind,
          namespace: namespace ?? null,
          name: object.metadata.name,
          ok: true,
          action: !before ? 'created' : diff.length ? 'configured' : 'unchanged',
          diff,
        });
      } catch (error) {
        if (!(error instanceof KubeOpsError)) throw error;
        const field = typeof error.details?.field === 'string' ? error.details.field : null;
        results.push(failure(error.code, error.status, error.message, field, object));
      }
    }
    return { dryRun: !!options.dryRun, ok: results.every((r) => r.ok), documents: results };
  }
}
