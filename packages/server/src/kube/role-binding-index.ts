import type { Impersonation } from '@kubeops/contracts';
import { objectJson } from './cache-entry.js';
import type { ResourceCache } from './resource-cache.js';

interface Subject {
  kind?: string;
  name?: string;
}

/** Every user the API server authenticates (impersonated users included) is in this group. */
const EVERYONE = 'system:authenticated';

/**
 * Which namespaces hold a RoleBinding naming a user or group, read from the
 * platform's RoleBinding cache and rebuilt only after a binding changed. It
 * narrows "which namespaces may this user list?" to the few where RBAC could
 * say yes, instead of one access review per namespace of the cluster.
 */
export class RoleBindingIndex {
  private followed: ResourceCache | undefined;
  private unsubscribe: (() => void) | undefined;
  private bySubject: Map<string, Set<string>> | undefined;

  follow(cache: ResourceCache): void {
    if (this.followed === cache) return;
    this.unsubscribe?.();
    this.followed = cache;
    this.bySubject = undefined;
    this.unsubscribe = cache.subscribe(() => (this.bySubject = undefined));
  }

  /** Namespaces where some RoleBinding names the user, one of their groups, or every authenticated user. */
  namespacesBinding(who: Impersonation): Set<string> {
    const index = this.build();
    const out = new Set<string>();
    for (const key of [
      `User\0${who.user}`,
      `Group\0${EVERYONE}`,
      ...who.groups.map((g) => `Group\0${g}`),
    ])
      for (const namespace of index.get(key) ?? []) out.add(namespace);
    return out;
  }

  private build(): Map<string, Set<string>> {
    if (this.bySubject) return this.bySubject;
    const index = new Map<string, Set<string>>();
    for (const entry of this.followed?.entries.values() ?? []) {
      const binding = JSON.parse(objectJson(entry)) as { subjects?: Subject[] };
      for (const subject of binding.subjects ?? []) {
        if (!subject.kind || !subject.name) continue;
        const key = `${subject.kind}\0${subject.name}`;
        let namespaces = index.get(key);
        if (!namespaces) index.set(key, (namespaces = new Set()));
        namespaces.add(entry.namespace);
      }
    }
    this.bySubject = index;
    return index;
  }

  close(): void {
    this.unsubscribe?.();
  }
}
