import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentedValues, generateReadme } from '../tools/chart-readme.js';
import { chartDir } from './support/tools.js';

function leafPaths(node: unknown, path: string[] = []): string[] {
  if (
    node !== null &&
    typeof node === 'object' &&
    !Array.isArray(node) &&
    Object.keys(node).length > 0
  ) {
    return Object.entries(node).flatMap(([key, value]) => leafPaths(value, [...path, key]));
  }
  return [path.join('.')];
}

describe('chart README', () => {
  const valuesYaml = readFileSync(join(chartDir, 'values.yaml'), 'utf8');

  it('is the generator output for the current values.yaml (run npx tsx test/tools/chart-readme.ts)', () => {
    expect(readFileSync(join(chartDir, 'README.md'), 'utf8')).toBe(generateReadme(chartDir));
  });

  it('documents every value, itself or through a documented parent', () => {
    const documented = documentedValues(valuesYaml).map((v) => v.key);
    const undocumented = leafPaths(parse(valuesYaml)).filter(
      (leaf) => !documented.some((key) => leaf === key || leaf.startsWith(`${key}.`)),
    );
    expect(undocumented).toEqual([]);
  });

  it('shows each default as values.yaml sets it', () => {
    const byKey = new Map(documentedValues(valuesYaml).map((v) => [v.key, v]));
    expect(byKey.get('app.mode')).toMatchObject({ type: 'string', default: 'single' });
    expect(byKey.get('api.replicas')).toMatchObject({ type: 'int', default: 2 });
    expect(byKey.get('single.autoscaling.targetMemoryUtilizationPercentage')).toMatchObject({
      type: 'null',
    });
  });
});
