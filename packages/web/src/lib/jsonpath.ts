/**
 * Evaluates the JSONPath subset CRD printer columns use (`.status.phase`,
 * `.spec.containers[*].image`, `.metadata.labels.app\.kubernetes\.io/name`,
 * `.items[0]`). Several matches are joined with commas, as kubectl does.
 */
export function evaluateJsonPath(object: unknown, path: string): unknown {
  const expression = path
    .trim()
    .replace(/^\{|\}$/g, '')
    .replace(/^\$/, '');
  const tokens: Array<string | number | '*'> = [];
  const re = /\.((?:\\\.|[^.[\]])+)|\[(\*|\d+|'[^']*'|"[^"]*")\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(expression))) {
    if (match[1] !== undefined) tokens.push(match[1].replace(/\\\./g, '.'));
    else if (match[2] === '*') tokens.push('*');
    else if (match[2] !== undefined && /^\d+$/.test(match[2])) tokens.push(Number(match[2]));
    else if (match[2] !== undefined) tokens.push(match[2].slice(1, -1));
  }
  let current: unknown[] = [object];
  let many = false;
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if (token === '*') {
        many = true;
        next.push(...(Array.isArray(value) ? value : Object.values(value)));
      } else {
        const child = (value as Record<string | number, unknown>)[token];
        if (child !== undefined) next.push(child);
      }
    }
    current = next;
  }
  if (current.length === 0) return undefined;
  if (!many && current.length === 1) return current[0];
  return current.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}
