import type { ApiResource } from '@kubeops/contracts';
import { KubeOpsError, invalidInput } from '../core/errors.js';
import type { Principal } from '../auth/authorizer.js';
import type { ClusterHandle } from '../clusters/cluster-registry.js';
import { impersonatingClient, type ImpersonatingClient } from '../clusters/impersonating-client.js';
import type { Impersonation } from '@kubeops/contracts';
import { AccessReviews } from './access-review.js';
import { Discovery, groupOf } from './discovery.js';
import { USER_AGENT, type KubeClient } from './kube-client.js';
import { assertObjectName } from './object-names.js';
import { ResourceCache } from './resource-cache.js';
import { RoleBindingIndex } from './role-binding-index.js';
import { isSensitive } from './sensitive-reads.js';
import {
  compileQuery,
  namespacesOf,
  runQuery,
  type QueryInput,
  type QueryResult,
  type CompiledQuery,
} from './resource-query.js';

const RBAC_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];
/** A cache filled as one user (Secrets) is dropped sooner: it serves only them. */
const USER_CACHE_IDLE_MS = 60_000;

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

function assertListable(resource: ApiResource): void {
  if (!resource.verbs.includes('list') || !resource.verbs.includes('watch')) {
    throw new KubeOpsError(
      'not_listable',
      400,
      `${resource.resource} cannot be listed and watched`,
      {
        details: { field: 'resource' },
      },
    );
  }
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
  /** Caches filled as one user, by user, resource and namespace. */
  private readonly userCaches = new Map<string, ResourceCache>();
  private readonly bindings = new RoleBindingIndex();
  private readonly cacheClient: KubeClient;
  private readonly sweeper: NodeJS.Timeout;
  private watchingRbac = false;

  constructor(
    readonly handle: ClusterHandle,
    private readonly options: LiveClusterOptions,
  ) {
    this.discovery = new Discovery(handle.client.as({ 'user-agent': USER_AGENT.discovery }));
    this.cacheClient = handle.client.as({ 'user-agent': USER_AGENT.cache });
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

  /**
   * The resource a request path names (`…/resources/:group/:version/:resource[/:name]`),
   * with the name checked against the kind's naming rule (400 naming `params.name`).
   */
  async resolvePath(path: {
    group: string;
    version: string;
    resource: string;
    name?: string;
  }): Promise<ApiResource> {
    const resource = await this.resolve(path.group, path.version, path.resource);
    if (path.name !== undefined) assertObjectName(resource, path.name, 'params.name');
    return resource;
  }

  /** The platform's cache of a resource, started if needed; never one of a sensitive resource. */
  cache(resource: ApiResource): ResourceCache {
    if (isSensitive(resource))
      throw new Error(`${resource.resource} are never cached with the platform's credentials`);
    const key = `${resource.group}/${resource.version}/${resource.resource}`;
    let cache = this.caches.get(key);
    if (!cache) {
      assertListable(resource);
      cache = new ResourceCache(this.cacheClient, resource);
      this.caches.set(key, cache);
      cache.start();
    }
    cache.touch();
    return cache;
  }

  /**
   * The cache a user's read of a resource is answered from, synced, and the
   * namespaces they may see in it (undefined: all). Sensitive resources
   * (Secrets) come from a cache listed and watched as the user, scoped to
   * what they may list, so KubeOps's own credentials never read them.
   */
  async readable(
    client: ImpersonatingClient,
    resource: ApiResource,
    namespaces: Set<string> | undefined,
  ): Promise<{ cache: ResourceCache; allowed: Set<string> | undefined }> {
    if (isSensitive(resource)) {
      const allowed = await this.listableNamespaces(client, resource, namespaces);
      const cache = this.userCache(client, resource, allowed);
      await cache.ready();
      return { cache, allowed };
    }
    // The shared cache fills while the reviews are asked; its failure (KubeOps's own credentials
    // refused) is the one to report, as it says what to grant.
    const cache = this.cache(resource);
    const allowed = this.listableNamespaces(client, resource, namespaces);
    allowed.catch(() => undefined);
    await cache.ready();
    return { cache, allowed: await allowed };
  }

  private userCache(
    client: ImpersonatingClient,
    resource: ApiResource,
    allowed: Set<string> | undefined,
  ): ResourceCache {
    let namespace: string | undefined;
    if (allowed) {
      if (allowed.size !== 1)
        throw invalidInput(
          'query.namespace',
          `${resource.resource} are read as you, and you may not list them in every namespace: name one namespace`,
        );
      namespace = [...allowed][0]!;
    }
    const who = `${client.impersonation.user}\0${client.impersonation.groups.join(',')}`;
    const key = `${who}\0${resource.group}/${resource.version}/${resource.resource}\0${namespace ?? ''}`;
    let cache = this.userCaches.get(key);
    if (!cache) {
      assertListable(resource);
      cache = new ResourceCache(client, resource, namespace);
      this.userCaches.set(key, cache);
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
   *
   * Bounded whatever the cluster's size: one cluster-wide review first (most
   * users who may list something may list it everywhere); otherwise only the
   * namespaces that could grant it are reviewed, each answer remembered
   * briefly per user: the requested ones that exist (at most
   * MAX_QUERY_NAMESPACES), or, for "all namespaces", those where a
   * RoleBinding names the user or one of their groups (RBAC grants a
   * namespaced right nowhere else).
   */
  async listableNamespaces(
    client: ImpersonatingClient,
    resource: ApiResource,
    requested: Set<string> | undefined,
  ): Promise<Set<string> | undefined> {
    this.watchRbac();
    const attributes = { verb: 'list', group: resource.group, resource: resource.resource };
    if (await this.reviews.can(client, attributes)) return undefined;
    if (!resource.namespaced) throw forbiddenList(client.impersonation.user, resource);
    const candidates = await this.candidateNamespaces(client, requested);
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
    const client = await this.userClient(principal);
    const { cache, allowed } = await this.readable(client, resource, namespacesOf(input.namespace));
    const query = compileQuery(input, cache.columns);
    return { cache, query, result: runQuery(cache, query, allowed) };
  }

  /**
   * Namespaces worth an access review for a user: the requested ones the
   * cluster has (or the first requested, so a missing namespace still gets
   * the cluster's own answer), else those a RoleBinding could grant them.
   */
  private async candidateNamespaces(
    client: ImpersonatingClient,
    requested: Set<string> | undefined,
  ): Promise<string[]> {
    if (requested) {
      // Without the right to list namespaces the platform cannot tell which exist: review those asked (capped).
      const known = await this.namespaceNames().catch(() => undefined);
      if (!known) return [...requested];
      const existing = [...requested].filter((n) => known.includes(n));
      return existing.length > 0 ? existing : [...requested].slice(0, 1);
    }
    const known = await this.namespaceNames();
    // Without RoleBindings to read, every namespace has to be asked about, as before they narrowed it.
    const bindings = await this.roleBindings().catch(() => undefined);
    if (!bindings) return known;
    const bound = bindings.namespacesBinding(client.impersonation);
    return known.filter((n) => bound.has(n));
  }

  private async roleBindings(): Promise<RoleBindingIndex> {
    const cache = this.cache(
      await this.discovery.resolve('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
    );
    await cache.ready();
    this.bindings.follow(cache);
    return this.bindings;
  }

  /** Namespaces the user can use: all when they may list namespaces, else those where some read is allowed. */
  async usableNamespaces(principal: Principal): Promise<{ items: string[]; complete: boolean }> {
    this.watchRbac();
    const client = await this.userClient(principal);
    const names = await this.namespaceNames();
    if (await this.reviews.can(client, { verb: 'list', group: '', resource: 'namespaces' }))
      return { items: names, complete: true };
    const usable = await this.reviews.usableNamespaces(
      client,
      await this.candidateNamespaces(client, undefined),
    );
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
    const sweepIn = (caches: Map<string, ResourceCache>, idleMs: number) => {
      for (const [key, cache] of caches) {
        if (cache.subscriberCount === 0 && now - cache.lastUsedAt > idleMs) {
          cache.stop();
          caches.delete(key);
        }
      }
    };
    sweepIn(this.caches, this.options.idleMs);
    sweepIn(this.userCaches, Math.min(this.options.idleMs, USER_CACHE_IDLE_MS));
  }

  close(): void {
    clearInterval(this.sweeper);
    this.discovery.close();
    for (const cache of [...this.caches.values(), ...this.userCaches.values()]) cache.stop();
    this.caches.clear();
    this.userCaches.clear();
  }
}
