import { bool, list, record, str } from './fields.js';
import { podTemplateOf } from './workloads.js';
import type { KubeObject } from '../snapshot.js';

export interface TemplateReference {
  kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'ServiceAccount';
  name: string;
  /** Where the reference is, for evidence. */
  path: string;
  /** The pod starts without it (optional: true). */
  optional: boolean;
  /** The keys of the ConfigMap or Secret the reference reads (env key refs, volume items). */
  keys?: string[];
}

const cache = new WeakMap<KubeObject, TemplateReference[]>();

/** Every object a pod template refers to by name: volumes, env, envFrom, pull secrets, service account. */
export function templateReferences(workload: KubeObject): TemplateReference[] {
  // Several rules ask for every template's references.
  let references = cache.get(workload);
  if (!references) {
    references = readReferences(workload);
    cache.set(workload, references);
  }
  return references;
}

const strs = (value: string | undefined): string[] => (value === undefined ? [] : [value]);

function readReferences(workload: KubeObject): TemplateReference[] {
  const template = podTemplateOf(workload);
  if (!template) return [];
  const spec = template.spec;
  const base = [...template.path, 'spec'].join('.');
  const out: TemplateReference[] = [];
  const push = (
    kind: TemplateReference['kind'],
    name: string | undefined,
    path: string,
    optional = false,
    keys: string[] = [],
  ) => {
    if (name) out.push({ kind, name, path, optional, ...(keys.length > 0 ? { keys } : {}) });
  };
  const itemKeys = (source: unknown) =>
    list(source, 'items')
      .map((item) => str(item, 'key'))
      .filter((key): key is string => key !== undefined);
  for (const volume of list(spec, 'volumes')) {
    const at = `${base}.volumes[${str(volume, 'name')}]`;
    push(
      'ConfigMap',
      str(volume, 'configMap', 'name'),
      at,
      bool(volume, 'configMap', 'optional') === true,
      itemKeys(record(volume, 'configMap')),
    );
    push(
      'Secret',
      str(volume, 'secret', 'secretName'),
      at,
      bool(volume, 'secret', 'optional') === true,
      itemKeys(record(volume, 'secret')),
    );
    push('PersistentVolumeClaim', str(volume, 'persistentVolumeClaim', 'claimName'), at);
    for (const source of list(volume, 'projected', 'sources')) {
      push(
        'ConfigMap',
        str(source, 'configMap', 'name'),
        at,
        bool(source, 'configMap', 'optional') === true,
        itemKeys(record(source, 'configMap')),
      );
      push(
        'Secret',
        str(source, 'secret', 'name'),
        at,
        bool(source, 'secret', 'optional') === true,
        itemKeys(record(source, 'secret')),
      );
    }
  }
  for (const key of ['initContainers', 'containers']) {
    for (const container of list(spec, key)) {
      const at = `${base}.${key}[${str(container, 'name')}]`;
      for (const from of list(container, 'envFrom')) {
        push(
          'ConfigMap',
          str(from, 'configMapRef', 'name'),
          `${at}.envFrom`,
          bool(from, 'configMapRef', 'optional') === true,
        );
        push(
          'Secret',
          str(from, 'secretRef', 'name'),
          `${at}.envFrom`,
          bool(from, 'secretRef', 'optional') === true,
        );
      }
      for (const env of list(container, 'env')) {
        const envAt = `${at}.env[${str(env, 'name')}]`;
        push(
          'ConfigMap',
          str(env, 'valueFrom', 'configMapKeyRef', 'name'),
          envAt,
          bool(env, 'valueFrom', 'configMapKeyRef', 'optional') === true,
          strs(str(env, 'valueFrom', 'configMapKeyRef', 'key')),
        );
        push(
          'Secret',
          str(env, 'valueFrom', 'secretKeyRef', 'name'),
          envAt,
          bool(env, 'valueFrom', 'secretKeyRef', 'optional') === true,
          strs(str(env, 'valueFrom', 'secretKeyRef', 'key')),
        );
      }
    }
  }
  for (const secret of list(spec, 'imagePullSecrets'))
    push('Secret', str(secret, 'name'), `${base}.imagePullSecrets`);
  const account = str(spec, 'serviceAccountName') ?? str(spec, 'serviceAccount');
  if (account && account !== 'default')
    push('ServiceAccount', account, `${base}.serviceAccountName`);
  return out;
}
