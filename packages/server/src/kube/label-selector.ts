import { invalidInput } from '../core/errors.js';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: Set<string> }
  | { key: string; op: 'exists' | '!exists' };

export type LabelSelector = (labels: Readonly<Record<string, string>>) => boolean;

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside a (…) value set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseRequirement(part: string, field: string): LabelRequirement {
  const bad = (why: string) => invalidInput(field, `${JSON.stringify(part)} ${why}`);
  const checkKey = (key: string) => {
    if (!KEY.test(key)) throw bad(`has an invalid label key ${JSON.stringify(key)}`);
    return key;
  };
  const checkValue = (value: string) => {
    if (!VALUE.test(value) || value.length > 63)
      throw bad(`has an invalid label value ${JSON.stringify(value)}`);
    return value;
  };
  let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (m) {
    const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(m[1]!), op: m[2] as 'in' | 'notin', values: new Set(values) };
  }
  m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (m)
    return {
      key: checkKey(m[1]!),
      op: m[2] === '!=' ? 'notin' : 'in',
      values: new Set([checkValue(m[3]!)]),
    };
  m = /^!\s*(\S+)$/.exec(part);
  if (m) return { key: checkKey(m[1]!), op: '!exists' };
  if (/^\S+$/.test(part)) return { key: checkKey(part), op: 'exists' };
  throw bad(
    'is not a label requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))',
  );
}

/** Kubernetes label selector syntax, parsed (undefined when empty). */
export function parseLabelRequirements(
  text: string | undefined,
  field = 'labelSelector',
): LabelRequirement[] | undefined {
  if (!text?.trim()) return undefined;
  return splitTopLevel(text).map((p) => parseRequirement(p, field));
}

/** Parsed requirements as a predicate: all must hold. */
export function labelSelectorOf(requirements: readonly LabelRequirement[]): LabelSelector {
  return (labels) => {
    for (const r of requirements) {
      const value = labels[r.key];
      switch (r.op) {
        case 'exists':
          if (value === undefined) return false;
          break;
        case '!exists':
          if (value !== undefined) return false;
          break;
        case 'in':
          if (value === undefined || !r.values.has(value)) return false;
          break;
        case 'notin':
          if (value !== undefined && r.values.has(value)) return false;
          break;
      }
    }
    return true;
  };
}

/** Kubernetes label selector syntax, compiled to a predicate. */
export function parseLabelSelector(
  text: string | undefined,
  field = 'labelSelector',
): LabelSelector | undefined {
  const requirements = parseLabelRequirements(text, field);
  return requirements && labelSelectorOf(requirements);
}

/** A matchLabels / matchExpressions selector object (from a Deployment, Service …) as a predicate. */
export function selectorOfObject(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
      }
    | Record<string, string>
    | undefined,
): LabelSelector | undefined {
  if (!selector) return undefined;
  const s = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  const isStructured = 'matchLabels' in s || 'matchExpressions' in s;
  const matchLabels = isStructured ? (s.matchLabels ?? {}) : (selector as Record<string, string>);
  const expressions = isStructured ? (s.matchExpressions ?? []) : [];
  return (labels) =>
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
    expressions.every((e) => {
      const value = labels[e.key];
      switch (e.operator) {
        case 'In':
          return value !== undefined && (e.values ?? []).includes(value);
        case 'NotIn':
          return value === undefined || !(e.values ?? []).includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    });
}
