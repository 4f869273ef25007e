/**
 * Reads a value at a path such as `choices[0].message.content`,
 * `output.text` or `$.data[0]["generated text"]` — the form custom providers'
 * answer paths are written in. Returns undefined when any step is missing.
 */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const step of parsePath(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

export function parsePath(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const pattern = /\.?([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\['([^']*)'\]/gy;
  const source = path.trim().replace(/^\$\.?/, '');
  let match: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < source.length && (match = pattern.exec(source)) !== null) {
    consumed = pattern.lastIndex;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push(match[3] !== undefined ? JSON.parse(`"${match[3]}"`) : match[4]!);
  }
  if (consumed !== source.length)
    throw new Error(`cannot read the path "${path}" at character ${consumed + 1}`);
  return steps;
}
