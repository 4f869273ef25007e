import type { ImpersonatingClient } from '../clusters/impersonating-client.js';

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string | undefined;
  subresource?: string | undefined;
  name?: string | undefined;
}

const TTL_MS = 10_000;
const CONCURRENCY = 16;

/**
 * "May this user do that?", asked of the cluster with a
 * SelfSubjectAccessReview sent as the user, and remembered briefly per user,
 * verb, resource and namespace. `invalidate()` forgets everything, called when
 * the cluster's RBAC objects change so a revoked right stops working at once.
 */
export class AccessReviews {
  private readonly answers = new Map<string, { allowed: Promise<boolean>; at: number }>();

  async can(client: ImpersonatingClient, attributes: ResourceAttributes): Promise<boolean> {
    const who = `${client.impersonation.user}\0${client.impersonation.groups.join(',')}`;
    const a = attributes;
    const key = `${who}\0${a.verb}\0${a.group}\0${a.resource}\0${a.subresource ?? ''}\0${a.namespace ?? ''}\0${a.name ?? ''}`;
    const cached = this.answers.get(key);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.allowed;
    const allowed = client
      .request<{ status?: { allowed?: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: a.verb,
              group: a.group,
              resource: a.resource,
              subresource: a.subresource,
              namespace: a.namespace,
              name: a.name,
            },
          },
        },
      })
      .then((review) => review?.status?.allowed === true);
    this.answers.set(key, { allowed, at: Date.now() });
    allowed.catch(() => this.answers.delete(key));
    if (this.answers.size > 50_000) this.answers.clear();
    return allowed;
  }

  /** The subset of `namespaces` in which the user may do `verb` on the resource. */
  async namespacesAllowing(
    client: ImpersonatingClient,
    attributes: Omit<ResourceAttributes, 'namespace'>,
    namespaces: string[],
  ): Promise<Set<string>> {
    const allowed = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < namespaces.length) {
        const namespace = namespaces[next++]!;
        if (await this.can(client, { ...attributes, namespace })) allowed.add(namespace);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, namespaces.length) }, worker));
    return allowed;
  }

  /** Namespaces in which the user may read anything at all (SelfSubjectRulesReview as the user). */
  async usableNamespaces(client: ImpersonatingClient, namespaces: string[]): Promise<Set<string>> {
    const usable = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < namespaces.length) {
        const namespace = namespaces[next++]!;
        const key = `rules\0${client.impersonation.user}\0${client.impersonation.groups.join(',')}\0${namespace}`;
        const cached = this.answers.get(key);
        let allowed = cached && Date.now() - cached.at < TTL_MS ? cached.allowed : undefined;
        if (!allowed) {
          allowed = client
            .request<{
              status?: { resourceRules?: Array<{ verbs: string[]; resources?: string[] }> };
            }>({
              method: 'POST',
              path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectRulesReview',
                spec: { namespace },
              },
            })
            .then((review) =>
              (review?.status?.resourceRules ?? []).some(
                (rule) =>
                  rule.verbs.some((v) => v === '*' || v === 'list' || v === 'get') &&
                  // Every user may create reviews; that alone does not make a namespace usable.
                  (rule.resources ?? []).some((r) => !r.startsWith('selfsubject')),
              ),
            );
          this.answers.set(key, { allowed, at: Date.now() });
        }
        if (await allowed) usable.add(namespace);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, namespaces.length) }, worker));
    return usable;
  }

  invalidate(): void {
    this.answers.clear();
  }
}
