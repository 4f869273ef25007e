import type { JsonPatchOperation } from '@kubeops/contracts';

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An RFC 6902 patch that turns `before` into `after`. Objects are compared
 * key by key; arrays of the same length element by element, otherwise
 * replaced whole (a container list that grew is one readable operation, not
 * a cascade of index shifts).
 */
export function diffJson(before: unknown, after: unknown, path = ''): JsonPatchOperation[] {
  if (isObject(before) && isObject(after)) {
    const out: JsonPatchOperation[] = [];
    for (const key of Object.keys(before)) {
      if (!(key in after)) out.push({ op: 'remove', path: `${path}/${escape(key)}` });
    }
    for (const key of Object.keys(after)) {
      const p = `${path}/${escape(key)}`;
      if (!(key in before)) out.push({ op: 'add', path: p, value: after[key] });
      else out.push(...diffJson(before[key], after[key], p));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => diffJson(item, after[i], `${path}/${i}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ op: 'replace', path, value: after }];
}

function tokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`JSON pointer ${path} does not start with /`);
  return path.slice(1).split('/').map(unescape);
}

/** Applies a patch made by `diffJson` (add, remove, replace) to a copy of `document`. */
export function applyPatch(document: unknown, patch: JsonPatchOperation[]): unknown {
  let root = structuredClone(document);
  for (const operation of patch) {
    const path = tokens(operation.path);
    if (path.length === 0) {
      root = operation.op === 'remove' ? undefined : structuredClone(operation.value);
      continue;
    }
    let parent = root as Record<string, unknown> | unknown[];
    for (const token of path.slice(0, -1)) {
      parent = (parent as Record<string, unknown>)[token] as Record<string, unknown>;
      if (typeof parent !== 'object' || parent === null)
        throw new Error(`JSON pointer ${operation.path} does not exist`);
    }
    const last = path[path.length - 1]!;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (operation.op === 'remove') parent.splice(index, 1);
      else if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
      else parent[index] = structuredClone(operation.value);
    } else if (operation.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(operation.value);
  }
  return root;
}
