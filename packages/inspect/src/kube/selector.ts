import { isRecord, list, record, str, strings } from './fields.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** Reads a metav1.LabelSelector; undefined when the field is absent (which selects nothing). */
export function parseLabelSelector(value: unknown): LabelSelector | undefined {
  if (!isRecord(value)) return undefined;
  const matchLabels: Record<string, string> = {};
  for (const [key, v] of Object.entries(record(value, 'matchLabels') ?? {})) {
    if (typeof v === 'string') matchLabels[key] = v;
  }
  const matchExpressions = list(value, 'matchExpressions').flatMap((e) => {
    const key = str(e, 'key');
    const operator = str(e, 'operator');
    if (key === undefined || operator === undefined || !OPERATORS.has(operator)) return [];
    return [{ key, operator, values: strings(e, 'values') } as LabelSelectorRequirement];
  });
  return { matchLabels, matchExpressions };
}

/** A Service-style selector: a plain map of labels. */
export function selectorFromMap(
  map: Record<string, unknown> | undefined,
): LabelSelector | undefined {
  if (!map) return undefined;
  const matchLabels: Record<string, string> = {};
  for (const [key, v] of Object.entries(map)) if (typeof v === 'string') matchLabels[key] = v;
  return { matchLabels, matchExpressions: [] };
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  // Called for every candidate of every selector: no entry arrays.
  const wanted = selector.matchLabels;
  for (const key in wanted) {
    if (labels[key] !== wanted[key]) return false;
  }
  for (const requirement of selector.matchExpressions) {
    const has = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'In':
        if (!has || !requirement.values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && requirement.values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator.toLowerCase()} (${r.values.join(',')})`);
  }
  return parts.length === 0 ? '(everything)' : parts.join(',');
}

/**
 * An inverted index from `key=value` to the items carrying that label, so a
 * selector is answered from its rarest label instead of a scan of every item.
 */
export class LabelIndex<T> {
  private readonly items: T[] = [];
  private readonly labelsOf = new Map<T, Record<string, string>>();
  /** key → value → items; nested maps, so indexing builds no `key=value` strings. */
  private readonly byLabel = new Map<string, Map<string, T[]>>();

  add(item: T, labels: Record<string, string>): void {
    this.items.push(item);
    this.labelsOf.set(item, labels);
    for (const key in labels) {
      const value = labels[key]!;
      let values = this.byLabel.get(key);
      if (!values) {
        values = new Map();
        this.byLabel.set(key, values);
      }
      const bucket = values.get(value);
      if (bucket) bucket.push(item);
      else values.set(value, [item]);
    }
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly T[] {
    return this.items;
  }

  private carrying(key: string, value: string): readonly T[] {
    return this.byLabel.get(key)?.get(value) ?? [];
  }

  select(selector: LabelSelector): T[] {
    let candidates: readonly T[] = this.items;
    for (const key in selector.matchLabels) {
      const bucket = this.carrying(key, selector.matchLabels[key]!);
      if (bucket.length < candidates.length) candidates = bucket;
    }
    for (const requirement of selector.matchExpressions) {
      if (requirement.operator !== 'In') continue;
      const union = requirement.values.flatMap((v) => this.carrying(requirement.key, v));
      if (union.length < candidates.length) candidates = union;
    }
    return candidates.filter((item) => matchesSelector(selector, this.labelsOf.get(item) ?? {}));
  }
}
