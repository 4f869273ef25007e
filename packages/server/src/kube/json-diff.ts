import type { DiffEntry } from '@kubeops/contracts';

/** Bookkeeping the API server changes on every write; a diff of them says nothing to a person. */
const IGNORED = new Set([
  '/metadata/managedFields',
  '/metadata/resourceVersion',
  '/metadata/generation',
]);

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What changes between two versions of an object, as JSON pointers (arrays compared whole unless same length). */
export function jsonDiff(before: unknown, after: unknown, path = ''): DiffEntry[] {
  if (IGNORED.has(path)) return [];
  if (isObject(before) && isObject(after)) {
    const out: DiffEntry[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = `${path}/${escape(key)}`;
      if (IGNORED.has(p)) continue;
      if (!(key in after)) out.push({ op: 'remove', path: p, from: before[key] });
      else if (!(key in before)) out.push({ op: 'add', path: p, to: after[key] });
      else out.push(...jsonDiff(before[key], after[key], p));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => jsonDiff(item, after[i], `${path}/${i}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (before === undefined) return [{ op: 'add', path: path || '/', to: after }];
  if (after === undefined) return [{ op: 'remove', path: path || '/', from: before }];
  return [{ op: 'replace', path: path || '/', from: before, to: after }];
}
