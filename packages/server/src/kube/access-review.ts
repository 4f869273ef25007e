import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import { apiPath } from './api-path.js';

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string | undefined;
  subresource?: string | undefined;
  name?: string | undefined;
}

const TTL_MS = 10_000;
/** An older answer is still used (and refreshed behind the scenes): RBAC changes clear every answer at once anyway. */
const STALE_MS = 5 * 60_000;
const CONCURRENCY = 16;

interface Answer {
  allowed: Promise<boolean>;
  at: number;
  settled: boolean;
  refreshing: boolean;
}

/**
 * "May this user do that?", asked of the cluster with a
 * SelfSubjectAccessReview sent as the user, and remembered briefly per user,
 * verb, resource and namespace. `invalidate()` forgets everything, called when
 * the cluster's RBAC objects change so a revoked right stops working at once;
 * between changes an answer older than the TTL is served while a fresh one is
 * fetched, so a live stream never waits on a review.
 */
export class AccessReviews {
  private readonly answers = new Map<string, Answer>();
  private generation = 0;

  async can(client: ImpersonatingClient, attributes: ResourceAttributes): Promise<boolean> {
    const who = `${client.impersonation.user}\0${client.impersonation.groups.join(',')}`;
    const a = attributes;
    const key = `${who}\0${a.verb}\0${a.group}\0${a.resource}\0${a.subresource ?? ''}\0${a.namespace ?? ''}\0${a.name ?? ''}`;
    const ask = () =>
      client
        .request<{ status?: { allowed?: boolean } }>({
          method: 'POST',
          path: apiPath('apis', 'authorization.k8s.io', 'v1', 'selfsubjectaccessreviews'),
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
    return this.remembered(key, ask);
  }

  private remembered(key: string, ask: () => Promise<boolean>): Promise<boolean> {
    const cached = this.answers.get(key);
    const age = cached ? Date.now() - cached.at : Infinity;
    if (cached && age < TTL_MS) return cached.allowed;
    if (cached && cached.settled && age < STALE_MS) {
      if (!cached.refreshing) {
        cached.refreshing = true;
        const generation = this.generation;
        ask().then(
          (allowed) => {
            if (generation === this.generation)
              this.answers.set(key, {
                allowed: Promise.resolve(allowed),
                at: Date.now(),
                settled: true,
                refreshing: false,
              });
          },
          () => (cached.refreshing = false),
        );
      }
      return cached.allowed;
    }
    const answer: Answer = { allowed: ask(), at: Date.now(), settled: false, refreshing: false };
    answer.allowed.then(
      () => (answer.settled = true),
      () => this.answers.delete(key),
    );
    this.answers.set(key, answer);
    if (this.answers.size > 50_000) this.answers.clear();
    return answer.allowed;
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
        const allowed = this.remembered(key, () =>
          client
            .request<{
              status?: { resourceRules?: Array<{ verbs: string[]; resources?: string[] }> };
            }>({
              method: 'POST',
              path: apiPath('apis', 'authorization.k8s.io', 'v1', 'selfsubjectrulesreviews'),
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
            ),
        );
        if (await allowed) usable.add(namespace);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, namespaces.length) }, worker));
    return usable;
  }

  invalidate(): void {
    this.generation++;
    this.answers.clear();
  }
}
