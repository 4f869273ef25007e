import type { ApiResource } from '@kubeops/contracts';
import { KubeOpsError } from '../core/errors.js';
import type { Principal } from '../auth/authorizer.js';
import type { ClusterHandle } from '../clusters/cluster-registry.js';
import { impersonatingClient, type ImpersonatingClient } from '../clusters/impersonating-client.js';
import type { Impersonation } from '@kubeops/contracts';
import { AccessReviews } from './access-review.js';
import { Discovery, groupOf } from './discovery.js';
import { ResourceCache } from './resource-cache.js';
import {
  compileQuery,
  runQuery,
  type QueryInput,
  type QueryResult,
  type CompiledQuery,
} from './resource-query.js';

const RBAC_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];

export interface LiveClusterOptions {
  /** A cache nobody used or subscribed to for this long is stopped. */
  idleMs: number;
  impersonation(principal: Principal, cluster: string): Promise<Impersonation>;
}

/** The forbidden answer the API server would give, for reads served from the cache. */
export function forbiddenList(
  user: string,
  resource: ApiResource,
  namespace?: string,
): KubeOpsError {
  const where = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return new KubeOpsError(
    'kube_forbidden',
    403,
    `${resource.resource} is forbidden: User "${user}" cannot list resource "${resource.resource}" in API group "${resource.group}" ${where}`,
    {
      details: {
        reason: 'Forbidden',
        resource: resource.resource,
        group: resource.group,
        namespace: namespace ?? null,
      },
    },
  );
}

/**
 * One registered cluster while KubeOps uses it: discovery, the resource
 * caches (started on first use, stopped when idle) and the access reviews
 * that decide what each user may read from them.
 */
export class LiveCluster {
  readonly discovery: Discovery;
  readonly reviews = new AccessReviews();
  private readonly caches = new Map<string, ResourceCache>();
  private readonly sweeper: NodeJS.Timeout;
  private watchingRbac = false;

  constructor(
    readonly handle: ClusterHandle,
    private readonly options: LiveClusterOptions,
  ) {
    this.discovery = new Discovery(handle.client);
    this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, options.idleMs));
    this.sweeper.unref();
  }

  get name(): string {
    return this.handle.name;
  }

  async userClient(principal: Principal): Promise<ImpersonatingClient> {
    return impersonatingClient(
      this.handle.client,
      await this.options.impersonation(principal, this.name),
    );
  }

  resolve(groupParam: string, version: string, resource: string): Promise<ApiResource> {
    return this.discovery.resolve(groupOf(groupParam), version, resource);
  }

  /** The resource a request path names (`…/resources/:group/:version/:resource`). */
  resolvePath(path: { group: string; version: string; resource: string }): Promise<ApiResource> {
    return this.resolve(path.group, path.version, path.resource);
  }

  /** The cache of a resource, started if needed. */
  cache(resource: ApiResource): ResourceCache {
    const key = `${resource.group}/${resource.version}/${resource.resource}`;
    let cache = this.caches.get(key);
    if (!cache) {
      if (!resource.verbs.includes('list') || !resource.verbs.includes('watch')) {
        throw new KubeOpsError(
          'not_listable',
          400,
          `${resource.resource} cannot be listed and watched`,
          { details: { field: 'resource' } },
        );
      }
      cache = new ResourceCache(this.handle.client, resource);
      this.caches.set(key, cache);
      cache.start();
    }
    cache.touch();
    return cache;
  }

  async namespaceNames(): Promise<string[]> {
    const cache = this.cache(await this.discovery.resolve('', 'v1', 'namespaces'));
    await cache.ready();
    return [...cache.entries.values()].map((e) => e.name).sort();
  }

  /**
   * Namespaces in which the user may list a resource: undefined when they
   * may list it everywhere; throws the API server's 403 when nowhere.
   */
  async listableNamespaces(
    client: ImpersonatingClient,
    resource: ApiResource,
    requested: Set<string> | undefined,
  ): Promise<Set<string> | undefined> {
    this.watchRbac();
    const attributes = { verb: 'list', group: resource.group, resource: resource.resource };
    if (!resource.namespaced || !requested) {
      if (await this.reviews.can(client, attributes)) return undefined;
      if (!resource.namespaced) throw forbiddenList(client.impersonation.user, resource);
    }
    const candidates = requested ? [...requested] : await this.namespaceNames();
    const allowed = await this.reviews.namespacesAllowing(client, attributes, candidates);
    if (allowed.size === 0)
      throw forbiddenList(
        client.impersonation.user,
        resource,
        requested?.size === 1 ? candidates[0] : undefined,
      );
    return allowed;
  }

  /** A filtered, sorted page from the cache, restricted to what the user may list. */
  async query(
    principal: Principal,
    resource: ApiResource,
    input: QueryInput,
  ): Promise<{ cache: ResourceCache; query: CompiledQuery; result: QueryResult }> {
    const cache = this.cache(resource);
    const [client] = await Promise.all([this.userClient(principal), cache.ready()]);
    const query = compileQuery(input, cache.columns);
    const allowed = await this.listableNamespaces(client, resource, query.namespaces);
    return { cache, query, result: runQuery(cache, query, allowed) };
  }

  /** Namespaces the user can use: all when they may list namespaces, else those where some read is allowed. */
  async usableNamespaces(principal: Principal): Promise<{ items: string[]; complete: boolean }> {
    this.watchRbac();
    const client = await this.userClient(principal);
    const names = await this.namespaceNames();
    if (await this.reviews.can(client, { verb: 'list', group: '', resource: 'namespaces' }))
      return { items: names, complete: true };
    const usable = await this.reviews.usableNamespaces(client, names);
    return { items: names.filter((n) => usable.has(n)), complete: false };
  }

  /** Any change to the cluster's RBAC forgets cached access decisions. */
  private watchRbac(): void {
    if (this.watchingRbac) return;
    this.watchingRbac = true;
    for (const resource of RBAC_RESOURCES) {
      this.discovery
        .resolve('rbac.authorization.k8s.io', 'v1', resource)
        .then((r) => this.cache(r).subscribe(() => this.reviews.invalidate()))
        .catch(() => (this.watchingRbac = false));
    }
  }

  cacheCount(): number {
    return this.caches.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, cache] of this.caches) {
      if (cache.subscriberCount === 0 && now - cache.lastUsedAt > this.options.idleMs) {
        cache.stop();
        this.caches.delete(key);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.discovery.close();
    for (const cache of this.caches.values()) cache.stop();
    this.caches.clear();
  }
}
